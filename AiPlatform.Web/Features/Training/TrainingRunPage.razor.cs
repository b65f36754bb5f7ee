using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Training;

public partial class TrainingRunPage : LivePage
{
    private const int MaxLines = 5000;
    private static readonly System.Text.Json.JsonSerializerOptions SpecJson = new(System.Text.Json.JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly List<AiPlatform.Core.Jobs.JobLogEntry> _log = [];
    private TrainingRunView? _view;
    private IReadOnlyList<(string, string)> _metrics = [];
    private (string Cpu, string Memory)? _resources;
    private bool _notFound;
    private string? _dataset;
    private bool _datasetUnreadable;
    private string? _trackingName;
    private string? _clonedFromName;
    private bool _clonedFromLoaded;

    [Parameter]
    public Guid Id { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _log.Clear();
        await RefreshAsync(PageToken);
    }

    protected override async Task RefreshAsync(CancellationToken ct)
    {
        if (_notFound || (_view is { Run.IsTerminal: true } && _log.Count > 0 && (await Training.GetLogAsync(Id, _log[^1].Id, 1, ct)).Count == 0))
        {
            return;
        }

        try
        {
            _view = await Training.GetAsync(Id, ct);
            await LoadDatasetAsync(_view.Run, ct);
            _log.AddRange(await Training.GetLogAsync(Id, _log.Count > 0 ? _log[^1].Id : 0, 1000, ct));
            if (_log.Count > MaxLines)
            {
                _log.RemoveRange(0, _log.Count - MaxLines);
            }

            var tracked = await Runs.GetRunAsync(_view.Run.TrackingRunId, ct);
            _trackingName = tracked.Run.Name;
            await LoadClonedFromAsync(_view.Run, ct);
            _metrics = tracked.Metrics.Where(m => !m.Key.StartsWith("system/", StringComparison.Ordinal)).Select(m => (m.Key, RunFormat.Number(m.RealValue))).ToList();
            _resources = tracked.Metric("system/cpu_utilization_percentage") is { } cpu && tracked.Metric("system/memory_usage_megabytes") is { } memory
                ? (cpu.RealValue.ToString("0", System.Globalization.CultureInfo.CurrentCulture), memory.RealValue.ToString("0", System.Globalization.CultureInfo.CurrentCulture))
                : null;
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    /// <summary>Names the input dataset version once, with the page user's rights: one they cannot read shows "(no access)", never its id.</summary>
    private async Task LoadDatasetAsync(TrainingRun run, CancellationToken ct)
    {
        if (run.DatasetId is not { } datasetId || _dataset is not null || _datasetUnreadable)
        {
            return;
        }

        try
        {
            var (dataset, _) = await Datasets.GetAsync(datasetId, ct);
            _dataset = run.DatasetVersionId is { } versionId
                ? L["Runs.DatasetVersion", dataset.Name, (await Datasets.GetVersionAsync(datasetId, versionId, ct)).Number].Value
                : dataset.Name;
        }
        catch (PlatformException)
        {
            _datasetUnreadable = true;
        }
    }

    /// <summary>The run this one was cloned from, by name (a deleted or unreadable one reads "no longer available").</summary>
    private async Task LoadClonedFromAsync(TrainingRun run, CancellationToken ct)
    {
        if (run.ClonedFromId is not { } from || _clonedFromLoaded)
        {
            return;
        }

        _clonedFromLoaded = true;
        try
        {
            _clonedFromName = (await Training.GetAsync(from, ct)).Run.Name;
        }
        catch (PlatformException)
        {
            _clonedFromName = null;
        }
    }

    /// <summary>What the run trains, in the user's language: "LightGBM · binary classification · label churned", or the command.</summary>
    private string Describe(TrainingRun run)
    {
        if (run.Kind == TrainingKind.Custom)
        {
            return System.Text.Json.JsonDocument.Parse(run.SpecJson).RootElement.GetProperty("command").GetString() ?? string.Empty;
        }

        var spec = System.Text.Json.JsonSerializer.Deserialize<BuiltInSpec>(run.SpecJson, SpecJson)!;
        return L["Training.Describe", L.EnumName(spec.Trainer), L.EnumName(spec.Task), spec.Label].Value;
    }

    private Task CancelAsync() => RunAsync(async ct =>
    {
        await Training.CancelAsync(Id, ct);
        Snackbar.Add(L["Jobs.CancelRequested"], Severity.Info);
        await RefreshAsync(ct);
    });

    private Task RetryAsync() => RunAsync(async ct =>
    {
        var run = await Submissions.RetryAsync(Id, ct);
        Navigation.NavigateTo($"/training/{run.Id}");
    });

    [Inject]
    private TrainingService Training { get; set; } = default!;

    [Inject]
    private TrainingSubmitService Submissions { get; set; } = default!;

    [Inject]
    private RunService Runs { get; set; } = default!;

    [Inject]
    private AiPlatform.Core.Data.DatasetService Datasets { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;
}
