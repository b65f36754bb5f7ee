using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Knowledge;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// The selected node's side panel: a form generated from its descriptor's settings, the variable picker, id and title,
/// error policy and timeout, and a run of this node alone with given variables.
/// </summary>
public partial class AppNodePanel : PlatformPage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private AppNodeDescriptor? _descriptor;
    private IReadOnlyList<AppVariableOption> _variables = [];
    private IReadOnlyList<SelectOption> _models = [];
    private IReadOnlyList<SelectOption> _knowledgeBases = [];
    private IReadOnlyList<SelectOption> _endpoints = [];
    private IReadOnlyList<SelectOption> _datasets = [];
    private IReadOnlyList<SelectOption> _apps = [];
    private readonly Dictionary<string, string?> _jsonErrors = [];
    private string _newId = string.Empty;
    private string? _idError;
    private string _variablesJson = "{}";
    private string? _variablesError;
    private NodeExecution? _nodeRun;
    private bool _runningNode;

    [Parameter, EditorRequired]
    public AppEditorState State { get; set; } = default!;

    [Parameter, EditorRequired]
    public AppNode Node { get; set; } = default!;

    [Parameter]
    public Guid AppId { get; set; }

    [Parameter]
    public bool ReadOnly { get; set; }

    /// <summary>The last run on the canvas: prefills the single-node run's variables with the upstream outputs it produced.</summary>
    [Parameter]
    public AppRun? LastRun { get; set; }

    [Parameter]
    public EventCallback OnEdited { get; set; }

    [Parameter]
    public EventCallback<string> OnRenamed { get; set; }

    [Parameter]
    public EventCallback<string> OnOpenBody { get; set; }

    [Inject]
    private ProviderService Providers { get; set; } = default!;

    [Inject]
    private KnowledgeService Knowledge { get; set; } = default!;

    [Inject]
    private EndpointReader Endpoints { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private AppService Apps { get; set; } = default!;

    [Inject]
    private AppRunService Runs { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    private IReadOnlyList<NodeSetting> Settings => _descriptor?.Settings ?? [];

    protected override async Task OnInitializedAsync()
    {
        _descriptor = AppCatalogView.Find(Node.Type);
        _newId = Node.Id;
        _variables = Variables();
        _variablesJson = PrefillVariables();
        var kinds = Settings.Select(s => s.Kind).ToHashSet();
        await RunAsync(async ct =>
        {
            if (kinds.Contains(NodeSettingKind.LlmModel) && await Access.HasCapabilityAsync(Capabilities.ChatUse, ct))
            {
                _models = [.. (await Providers.ListUsableAsync(ct)).Select(m => new SelectOption(m.Name, m.Name))];
            }

            if (kinds.Contains(NodeSettingKind.KnowledgeBases))
            {
                _knowledgeBases = [.. (await Knowledge.ListReadableAsync(ct)).Select(k => new SelectOption(k.Id.ToString(), k.Name))];
            }

            if (kinds.Contains(NodeSettingKind.Endpoint))
            {
                _endpoints = [.. (await Endpoints.ListAsync(null, 0, 500, ct)).Items.Select(e => new SelectOption(e.Name, e.Name))];
            }

            if (kinds.Contains(NodeSettingKind.Datasets))
            {
                _datasets = [.. (await Datasets.ListAsync(null, null, new PageRequest(0, 500, 500), ct)).Items.Select(d => new SelectOption(d.Id.ToString(), d.Name))];
            }

            if (kinds.Contains(NodeSettingKind.App))
            {
                _apps = [.. (await Apps.ListAsync(null, new PageRequest(0, 500, 500), ct)).Items
                    .Where(a => a.PublishedVersionId is not null && a.Id != AppId)
                    .Select(a => new SelectOption(a.Slug, $"{a.Name} ({a.Slug})"))];
            }
        });
    }

    protected override void OnParametersSet()
    {
        _variables = Variables();
    }

    /// <summary>What the node may refer to: the outputs of the nodes before it, the enclosing iteration's item, system variables.</summary>
    private IReadOnlyList<AppVariableOption> Variables()
    {
        var result = new List<AppVariableOption>();
        foreach (var (upstream, isContainer) in State.Upstream(Node.Id))
        {
            var outputs = isContainer ? AppNodeCatalog.BodyScope(upstream) : AppNodeCatalog.Outputs(upstream);
            foreach (var output in outputs)
            {
                result.Add(new AppVariableOption($"{upstream.Id}.{output.Name}", upstream.Id, L.EnumName(output.Type)));
                if (output.Type == AppValueType.File)
                {
                    // A file is an object: its text is what prompts and templates usually want.
                    result.Add(new AppVariableOption($"{upstream.Id}.{output.Name}.text", upstream.Id, L.EnumName(AppValueType.String)));
                    result.Add(new AppVariableOption($"{upstream.Id}.{output.Name}.name", upstream.Id, L.EnumName(AppValueType.String)));
                }
            }
        }

        string[] system = State.Kind == AppKind.Chat ? ["sys.query", "sys.conversation_id", "sys.user", "sys.user_id", "sys.publisher", "sys.history"] : ["sys.user", "sys.user_id", "sys.publisher"];
        result.AddRange(system.Select(s => new AppVariableOption(s, "sys", L.EnumName(AppValueType.String))));
        return result;
    }

    private string? Text(string name) => Node.Config[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : Node.Config[name]?.ToJsonString();

    private double? Number(string name) => Node.Config[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private int? Integer(string name) => Node.Config[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : Number(name) is { } d ? (int)d : null;

    private bool Boolean(string name) => Node.Config[name]?.GetValueKind() == JsonValueKind.True;

    private IReadOnlyCollection<string> Strings(string name) => Node.Config[name] is JsonArray a
        ? [.. a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : x?.ToJsonString() ?? string.Empty)]
        : [];

    private string JsonText(string name) => Node.Config[name] is { } value ? value.ToJsonString(Indented) : string.Empty;

    private Task SetAsync(string name, JsonNode? value)
    {
        if (ReadOnly)
        {
            return Task.CompletedTask;
        }

        State.Change(graph =>
        {
            if (graph.Find(Node.Id) is { } node)
            {
                if (value is null)
                {
                    node.Config.Remove(name);
                }
                else
                {
                    node.Config[name] = value;
                }
            }
        });
        return OnEdited.InvokeAsync();
    }

    private Task SetTextAsync(string name, string? value) => SetAsync(name, string.IsNullOrEmpty(value) ? null : JsonValue.Create(value));

    private Task SetStringsAsync(string name, IEnumerable<string> values) => SetAsync(name, new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]));

    private Task SetJsonAsync(string name, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            _jsonErrors.Remove(name);
            return SetAsync(name, null);
        }

        try
        {
            var value = JsonNode.Parse(text);
            _jsonErrors.Remove(name);
            return SetAsync(name, value);
        }
        catch (JsonException e)
        {
            _jsonErrors[name] = L["Apps.Setting.JsonInvalid", e.Message];
            return Task.CompletedTask;
        }
    }

    private Task SetTitleAsync(string? title)
    {
        State.Change(graph =>
        {
            if (graph.Find(Node.Id) is { } node)
            {
                node.Title = string.IsNullOrWhiteSpace(title) ? null : title.Trim();
            }
        });
        return OnEdited.InvokeAsync();
    }

    private async Task RenameAsync()
    {
        var id = _newId.Trim();
        if (id == Node.Id)
        {
            return;
        }

        if (!AppEditorState.IsValidId(id))
        {
            _idError = L["Apps.Node.IdInvalid"];
            return;
        }

        if (AppEditorState.AllIds(State.Root).Contains(id))
        {
            _idError = L["Apps.Node.IdTaken", id];
            return;
        }

        _idError = null;
        State.Rename(Node.Id, id);
        await OnRenamed.InvokeAsync(id);
    }

    private NodeErrorPolicy Policy => Node.OnError ?? new NodeErrorPolicy();

    private Task SetPolicyAsync(Action<NodeErrorPolicy> change)
    {
        State.Change(graph =>
        {
            if (graph.Find(Node.Id) is { } node)
            {
                var policy = node.OnError ?? new NodeErrorPolicy();
                change(policy);
                node.OnError = policy is { Retries: 0, Continue: false, DefaultOutputs: null, RetryDelayMs: 1000 } ? null : policy;
            }
        });
        return OnEdited.InvokeAsync();
    }

    private Task SetDefaultOutputsAsync(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            _jsonErrors.Remove("onError");
            return SetPolicyAsync(p => p.DefaultOutputs = null);
        }

        try
        {
            if (JsonNode.Parse(text) is not JsonObject outputs)
            {
                _jsonErrors["onError"] = L["Apps.Node.DefaultOutputsObject"];
                return Task.CompletedTask;
            }

            _jsonErrors.Remove("onError");
            return SetPolicyAsync(p => p.DefaultOutputs = outputs);
        }
        catch (JsonException e)
        {
            _jsonErrors["onError"] = L["Apps.Setting.JsonInvalid", e.Message];
            return Task.CompletedTask;
        }
    }

    private Task SetTimeoutAsync(int? seconds)
    {
        State.Change(graph =>
        {
            if (graph.Find(Node.Id) is { } node)
            {
                node.TimeoutSeconds = seconds is > 0 ? seconds : null;
            }
        });
        return OnEdited.InvokeAsync();
    }

    /// <summary>The upstream nodes' outputs from the last run, as the variables a single-node run starts from.</summary>
    private string PrefillVariables()
    {
        var variables = new JsonObject();
        var executions = LastRun is null ? [] : AppEditorPage.Executions(LastRun);
        foreach (var (upstream, _) in State.Upstream(Node.Id))
        {
            var outputs = executions.LastOrDefault(e => e.NodeId == upstream.Id)?.Outputs;
            variables[upstream.Id] = outputs?.DeepClone() ?? new JsonObject();
        }

        return variables.ToJsonString(Indented);
    }

    private Task RunNodeAsync()
    {
        JsonObject variables;
        try
        {
            variables = JsonNode.Parse(_variablesJson) as JsonObject ?? throw new JsonException(L["Apps.Node.DefaultOutputsObject"]);
            _variablesError = null;
        }
        catch (JsonException e)
        {
            _variablesError = L["Apps.Setting.JsonInvalid", e.Message];
            return Task.CompletedTask;
        }

        return RunAsync(async ct =>
        {
            _runningNode = true;
            StateHasChanged();
            try
            {
                var run = await Runs.RunNodeAsync(AppId, Node.Id, variables, ct);
                _nodeRun = AppEditorPage.Executions(run).FirstOrDefault()
                    ?? new NodeExecution { NodeId = Node.Id, NodeType = Node.Type, Status = NodeExecutionStatus.Failed, Error = run.Error, ErrorKey = run.ErrorKey, ErrorArguments = [.. AppText.Arguments(run.ErrorArguments)] };
            }
            finally
            {
                _runningNode = false;
            }
        });
    }

    private IReadOnlyList<SelectOption> OptionsOf(NodeSetting setting) =>
        [.. (setting.Options ?? []).Select(o => new SelectOption(o, AppCatalogView.OptionLabel(L, Node.Type, setting.Name, o)))];

    private IReadOnlyList<RowColumn> ColumnsOf(NodeSetting setting) => AppCatalogView.Columns(L, setting.Kind, Node.Type);

    private IReadOnlyList<RowColumn> VariableColumns => [new RowColumn("variable", L["Apps.Rows.Variable"], RowColumnKind.Variable)];

    /// <summary>A list of variables shown as rows of one column.</summary>
    private JsonArray? VariableRows(string name) =>
        Node.Config[name] is JsonArray list ? [.. list.Select(v => (JsonNode?)new JsonObject { ["variable"] = v?.DeepClone() })] : null;

    private Task SetVariableListAsync(string name, JsonArray rows) => SetAsync(name, new JsonArray([.. rows.Select(r => r?["variable"]?.DeepClone())]));

    private static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
