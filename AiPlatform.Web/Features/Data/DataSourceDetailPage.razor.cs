using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Data;

public partial class DataSourceDetailPage : PlatformPage
{
    [Inject]
    private DataSourceService Sources { get; set; } = default!;

    [Inject]
    private DataSourceImportService Imports { get; set; } = default!;

    [Inject]
    private ImportScheduleService Schedules { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private JobService Jobs { get; set; } = default!;

    /// <summary>The version the last import created, once its job finished: linked so the dataset opens with it highlighted.</summary>
    private ImportedVersion? _importedVersion;

    private DataSource? _source;
    private PermissionLevel _level;
    private bool _notFound;
    private bool _sharing;
    private DataSourceForm? _form;
    private IReadOnlyList<Dataset> _datasets = [];
    private IReadOnlyList<string> _tables = [];
    private Guid? _datasetId;
    private string? _table;
    private string? _query;
    private string? _message;
    private Guid? _jobId;
    private string? _cron = "0 2 * * *";
    private IReadOnlyList<ScheduledImport> _schedules = [];

    [Parameter]
    public Guid Id { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            (_source, _level) = await Sources.GetAsync(Id, PageToken);
            _datasets = (await Datasets.ListAsync(null, null, new PageRequest(0, PageRequest.DefaultMaxPageSize), PageToken)).Items;
            _schedules = await Schedules.ListSchedulesAsync(Id, PageToken);
            try
            {
                _tables = await Sources.ListTablesAsync(Id, PageToken);
            }
            catch (PlatformException ex)
            {
                Snackbar.Add(L.Describe(ex), Severity.Warning);
            }
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private Task TestAsync() => RunAsync(async ct =>
    {
        await Sources.TestAsync(Id, ct);
        Snackbar.Add(L["Sources.Connected"], Severity.Success);
        _tables = await Sources.ListTablesAsync(Id, ct);
    });

    private Task SaveAsync() => RunAsync(async ct =>
    {
        _source = await Sources.UpdateAsync(Id, _form!.Input, ct);
    }, L["Common.Saved"]);

    private Task ImportAsync() => RunAsync(async ct =>
    {
        var datasetId = _datasetId!.Value;
        var before = (await Datasets.ListVersionsAsync(datasetId, ct)).Select(v => v.Id).ToHashSet();
        _importedVersion = null;
        var job = await Imports.ImportAsync(Id, datasetId, _table, _query, _message, ct);
        _jobId = job.Id;
        if (RendererInfo.IsInteractive)
        {
            _ = WatchImportAsync(job.Id, datasetId, before);
        }
    });

    /// <summary>Follows the import job while the page is open; when it created a version, offers a link that opens it highlighted.</summary>
    private async Task WatchImportAsync(Guid jobId, Guid datasetId, HashSet<Guid> before)
    {
        try
        {
            while (_jobId == jobId)
            {
                var job = await Jobs.GetAsync(jobId, PageToken);
                if (job.Status.IsTerminal())
                {
                    var created = (await Datasets.ListVersionsAsync(datasetId, PageToken)).FirstOrDefault(v => !before.Contains(v.Id));
                    if (created is not null && _jobId == jobId)
                    {
                        _importedVersion = new ImportedVersion(datasetId, created.Id, created.Number);
                        await InvokeAsync(StateHasChanged);
                    }

                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), PageToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or PlatformException)
        {
            // The page was left, or the job is no longer visible: the job link still tells the outcome.
        }
    }

    private sealed record ImportedVersion(Guid DatasetId, Guid VersionId, int Number);

    private Task ScheduleAsync() => RunAsync(async ct =>
    {
        await Schedules.ScheduleAsync(Id, _datasetId!.Value, _table, _query, _cron ?? string.Empty, ct);
        _schedules = await Schedules.ListSchedulesAsync(Id, ct);
    }, L["Common.Saved"]);

    private Task DeleteScheduleAsync(Guid scheduleId) => RunAsync(async ct =>
    {
        await Schedules.DeleteScheduleAsync(Id, scheduleId, ct);
        _schedules = await Schedules.ListSchedulesAsync(Id, ct);
    });

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Sources.DeleteAsync(Id, ct);
        Navigation.NavigateTo("/data-sources");
    });

}
