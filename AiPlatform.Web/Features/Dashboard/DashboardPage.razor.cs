using AiPlatform.Core.Common;
using AiPlatform.Core.Dashboard;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Features.Dashboard;

public partial class DashboardPage : LivePage
{
    private DashboardView? _view;
    private List<ChartSeries<double>> _statusSeries = [];
    private string[] _statusLabels = [];
    private List<ChartSeries<double>> _daySeries = [];
    private string[] _dayLabels = [];
    private readonly StackedBarChartOptions _dayOptions = ChartTheme.StackedBarOptions();
    private readonly DonutChartOptions _statusOptions = new();

    [Inject]
    private DashboardService Dashboard { get; set; } = default!;

    [Inject]
    private JobService Jobs { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private IStringLocalizer<SharedResource> Text { get; set; } = default!;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    protected override Task OnInitializedAsync() => RefreshAsync(PageToken);

    protected override async Task RefreshAsync(CancellationToken ct)
    {
        var view = DashboardView.From(await Dashboard.GetAsync(ct));
        var statuses = Enum.GetValues<JobStatus>();
        _statusOptions.ChartPalette = [.. statuses.Select(ChartTheme.StatusColor)];
        _dayOptions.ChartPalette = [.. statuses.Select(ChartTheme.StatusColor)];
        _statusLabels = statuses.Select(s => $"{Text[$"JobStatus.{s}"]} ({view.JobsByStatus.GetValueOrDefault(s):N0})").ToArray();
        _statusSeries = [new ChartSeries<double> { Name = Text["Dashboard.Jobs"], Data = new ChartData<double>(statuses.Select(s => (double)view.JobsByStatus.GetValueOrDefault(s)).ToList()) }];

        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        var days = Enumerable.Range(0, DashboardService.Days).Select(i => today.AddDays(i - DashboardService.Days + 1)).ToList();
        _dayLabels = days.Select(d => d.ToString(ChartTheme.DayLabelFormat, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _daySeries = statuses.Select(s => new ChartSeries<double>
        {
            Name = Text[$"JobStatus.{s}"],
            Data = new ChartData<double>(days.Select(d => (double)view.JobsByDay.Where(c => c.Day == d && c.Status == s).Sum(c => c.Count)).ToList()),
        }).ToList();
        _view = view;
    }

    private async Task ScanStorageAsync()
    {
        try
        {
            await Jobs.StartAsync(new JobRequest(StorageScanHandler.JobKind), PageToken);
            Snackbar.Add(Text["Jobs.Started", Text.JobKind(StorageScanHandler.JobKind)], Severity.Success);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
    }
}
