using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Apps;

/// <summary>One run of an app: how it ended, its inputs and outputs, and every node execution in order with inputs, outputs, errors, time and tokens.</summary>
public partial class AppRunViewPage : LivePage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private App? _app;
    private AppRun? _run;
    private IReadOnlyList<NodeExecution> _nodes = [];
    private string? _caller;
    private bool _notFound;
    private bool _canCancel;
    private bool _nodeDetails;

    [Parameter]
    public Guid Id { get; set; }

    [Parameter]
    public Guid RunId { get; set; }

    [Inject]
    private AppService Apps { get; set; } = default!;

    [Inject]
    private AppRunService Runs { get; set; } = default!;

    [Inject]
    private IUserDirectory Users { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    protected override Task OnInitializedAsync() => RunAsync(LoadAsync);

    protected override async Task RefreshAsync(CancellationToken ct)
    {
        if (_run?.Status == AppRunStatus.Running)
        {
            await RunAsync(LoadAsync);
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        try
        {
            PermissionLevel level;
            (_app, level) = await Apps.GetAsync(Id, ct);
            _run = await Runs.GetAsync(Id, RunId, ct);
            _nodeDetails = level >= PermissionLevel.Write;
            _canCancel = level >= PermissionLevel.Write || _run.CallerId == (await Access.RequireContextAsync(ct)).UserId;
        }
        catch (NotFoundException)
        {
            _notFound = true;
            return;
        }

        _nodes = AppEditorPage.Executions(_run);
        _caller ??= (await Users.FindAsync(_run.CallerId, ct))?.UserName ?? "?";
    }

    private Task CancelAsync() => RunAsync(async ct =>
    {
        await Runs.CancelAsync(Id, RunId, ct);
        await LoadAsync(ct);
    });

    private string? Error(AppRun run) => AppText.Error(L, run.Error, run.ErrorKey, AppText.Arguments(run.ErrorArguments));

    private string? Error(NodeExecution node) => AppText.Error(L, node.Error, node.ErrorKey, node.ErrorArguments);

    internal static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "—";

    internal static string Pretty(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "—";
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
