using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// Runs the draft from the canvas: test inputs from the start node's fields (a question and the conversation for chat
/// apps), node badges while it runs, then the outputs or answer, the failed node, and links to the trace and the run.
/// </summary>
public partial class AppRunPanel : PlatformPage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, JsonNode?> _values = [];
    private readonly List<NodeExecution> _live = [];
    private readonly List<AppChatTurn> _turns = [];
    private AppInputsForm? _form;
    private string? _question;
    private string _streamed = string.Empty;
    private Guid? _conversationId;
    private AppRun? _run;
    private bool _running;
    private CancellationTokenSource? _cancel;

    [Parameter, EditorRequired]
    public App App { get; set; } = default!;

    [Parameter, EditorRequired]
    public AppEditorState State { get; set; } = default!;

    [Parameter]
    public IReadOnlyList<AppProblem> Problems { get; set; } = [];

    /// <summary>Saves the draft now (a run runs the saved draft); false when it could not be saved.</summary>
    [Parameter, EditorRequired]
    public Func<Task<bool>> SaveNow { get; set; } = default!;

    /// <summary>Progress and the end of a run: the page puts its badges on the canvas.</summary>
    [Parameter]
    public EventCallback<AppRun?> OnRun { get; set; }

    [Parameter]
    public EventCallback<string> OnSelectNode { get; set; }

    [Inject]
    private AppRunService Runs { get; set; } = default!;

    private bool IsChat => App.Kind == AppKind.Chat;

    private IReadOnlyList<AppInputField> Fields => AppInputField.Of(State.Root);

    private Task RunDraftAsync()
    {
        if (IsChat && string.IsNullOrWhiteSpace(_question))
        {
            Snackbar.Add(L["Apps.Run.QuestionRequired"], MudBlazor.Severity.Warning);
            return Task.CompletedTask;
        }

        return RunAsync(async ct =>
        {
            if (!await SaveNow())
            {
                return;
            }

            _running = true;
            _live.Clear();
            _streamed = string.Empty;
            _run = null;
            var question = _question?.Trim();
            await OnRun.InvokeAsync(null);
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                var input = new AppRunInput(AppInputsForm.ToInputs(_values), IsChat ? question : null, IsChat ? _conversationId : null);
                _run = await Runs.RunDraftAsync(App.Id, input, OnEventAsync, _cancel.Token);
                if (IsChat && question is not null)
                {
                    _conversationId = _run.ConversationId ?? _conversationId;
                    _turns.Add(new AppChatTurn(question, _run.Answer ?? string.Empty));
                    _question = null;
                }

                await OnRun.InvokeAsync(_run);
            }
            finally
            {
                _running = false;
                _cancel.Dispose();
                _cancel = null;
            }
        });
    }

    private ValueTask OnEventAsync(AppRunEvent e)
    {
        _ = InvokeAsync(async () =>
        {
            switch (e.Kind)
            {
                case AppRunEventKind.NodeStarted when e.NodeId is not null:
                    _live.Add(new NodeExecution { NodeId = e.NodeId, NodeType = e.Node?.NodeType ?? string.Empty, Status = NodeExecutionStatus.Running, ParentId = e.Node?.ParentId });
                    break;
                case AppRunEventKind.NodeFinished when e.Node is not null:
                    _live.RemoveAll(n => n.NodeId == e.Node.NodeId && n.Status == NodeExecutionStatus.Running);
                    _live.Add(e.Node);
                    break;
                case AppRunEventKind.AnswerDelta when e.Text is not null:
                    _streamed += e.Text;
                    break;
            }

            if (_running)
            {
                await OnRun.InvokeAsync(new AppRun { AppId = App.Id, Source = AppRunSources.Draft, Status = AppRunStatus.Running, NodesJson = JsonSerializer.Serialize(_live, AppRunService.NodesJson) });
            }

            StateHasChanged();
        });
        return ValueTask.CompletedTask;
    }

    private void Cancel() => _cancel?.Cancel();

    private void NewConversation()
    {
        _conversationId = null;
        _turns.Clear();
        _run = null;
    }

    private string? Error(AppRun run) => AppText.Error(L, run.Error, run.ErrorKey, AppText.Arguments(run.ErrorArguments));

    private static string Pretty(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "{}";
        }

        try
        {
            return JsonNode.Parse(json)?.ToJsonString(Indented) ?? "null";
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
