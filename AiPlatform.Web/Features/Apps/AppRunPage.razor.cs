using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// An app's own page for signed-in users with Read: a workflow's form from the published version's start fields and its
/// outputs, or a chat app's conversation with the answer streamed as it is written.
/// </summary>
public partial class AppRunPage : PlatformPage
{
    private AppPublishedView? _app;
    private IReadOnlyList<AppInputField> _fields = [];
    private readonly Dictionary<string, JsonNode?> _values = [];
    private readonly List<AppChatTurn> _turns = [];
    private AppInputsForm? _form;
    private string? _question;
    private string? _pendingQuestion;
    private string _streamed = string.Empty;
    private Guid? _conversationId;
    private AppRun? _run;
    private bool _running;
    private bool _notFound;
    private string? _unavailable;
    private CancellationTokenSource? _cancel;

    [Parameter]
    public string Slug { get; set; } = string.Empty;

    [Inject]
    private AppService Apps { get; set; } = default!;

    [Inject]
    private AppRunService Runs { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _app = await Apps.GetPublishedAsync(Slug, PageToken);
            _fields = AppInputField.Of(_app.Inputs);
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
        catch (ConflictException e)
        {
            _unavailable = L.Describe(e);
        }
        catch (PlatformException e)
        {
            _unavailable = L.Describe(e);
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
        }
    }

    private bool IsChat => _app?.Kind == AppKind.Chat;

    private Task SendAsync()
    {
        if (IsChat && string.IsNullOrWhiteSpace(_question))
        {
            return Task.CompletedTask;
        }

        return RunAsync(async ct =>
        {
            _running = true;
            _streamed = string.Empty;
            _run = null;
            _pendingQuestion = IsChat ? _question!.Trim() : null;
            _question = null;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                var input = new AppRunInput(AppInputsForm.ToInputs(_values), _pendingQuestion, IsChat ? _conversationId : null);
                _run = await Runs.RunPublishedAsync(Slug, input, AppRunSources.Page, OnEventAsync, _cancel.Token);
                if (_pendingQuestion is not null)
                {
                    _conversationId = _run.ConversationId ?? _conversationId;
                    _turns.Add(new AppChatTurn(_pendingQuestion, _run.Status == AppRunStatus.Succeeded ? _run.Answer ?? string.Empty : string.Empty));
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Stopped by the reader: what was written so far stays in the conversation.
                if (_pendingQuestion is not null)
                {
                    _turns.Add(new AppChatTurn(_pendingQuestion, _streamed));
                }
            }
            finally
            {
                _pendingQuestion = null;
                _running = false;
                _cancel.Dispose();
                _cancel = null;
            }

            await ScrollAsync();
        });
    }

    private ValueTask OnEventAsync(AppRunEvent e)
    {
        if (e.Kind == AppRunEventKind.AnswerDelta && e.Text is not null)
        {
            _ = InvokeAsync(async () =>
            {
                _streamed += e.Text;
                StateHasChanged();
                await ScrollAsync();
            });
        }

        return ValueTask.CompletedTask;
    }

    private void Stop() => _cancel?.Cancel();

    private void NewConversation()
    {
        _conversationId = null;
        _turns.Clear();
        _run = null;
    }

    private async Task ScrollAsync()
    {
        try
        {
            await JS.InvokeVoidAsync("aiPlatform.scrollToBottom", "app-conversation");
        }
        catch (JSException)
        {
        }
        catch (JSDisconnectedException)
        {
        }
    }

    private string? Error(AppRun run) => AppText.Error(L, run.Error, run.ErrorKey, AppText.Arguments(run.ErrorArguments));

    /// <summary>The run's outputs as name and value (text as it is, anything else as JSON).</summary>
    private static IEnumerable<(string Name, string? Text, string? Json)> Outputs(AppRun run)
    {
        JsonObject? outputs;
        try
        {
            outputs = run.OutputsJson is null ? null : JsonNode.Parse(run.OutputsJson) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            outputs = null;
        }

        foreach (var (name, value) in outputs ?? [])
        {
            yield return value is JsonValue v && v.TryGetValue<string>(out var text)
                ? (name, text, null)
                : (name, null, AppRunViewPage.Pretty(value));
        }
    }
}
