using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
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

    private Task ImportAsync() => RunAsync(async ct => _jobId = (await Imports.ImportAsync(Id, _datasetId!.Value, _table, _query, _message, ct)).Id);

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
