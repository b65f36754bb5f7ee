using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Features.Apps;

/// <summary>The editor's monitoring tab: runs and errors per bucket, latency p50/p95, the per-node table, tokens by model and per API key (Write and above).</summary>
public partial class AppMonitoringPanel : PlatformPage
{
    private string _window = "24h";
    private int? _version;
    private AppMonitoringReport? _report;
    private IList<ITrace> _runsChart = [];
    private IList<ITrace> _latencyChart = [];
    private Layout _runsLayout = new();
    private Layout _latencyLayout = new();

    [Parameter, EditorRequired]
    public Guid AppId { get; set; }

    [Inject]
    private AppMonitoringService Monitoring { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task OnWindowChangedAsync(string window)
    {
        _window = window;
        await LoadAsync();
    }

    private async Task OnVersionChangedAsync(int? version)
    {
        _version = version;
        await LoadAsync();
    }

    /// <summary>Loads the report again (the editor calls it when the tab is opened).</summary>
    internal async Task RefreshAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    private async Task LoadAsync()
    {
        try
        {
            _report = await Monitoring.GetAsync(AppId, _window, _version, PageToken);
        }
        catch (PlatformException e)
        {
            Snackbar.Add(L.Describe(e), Severity.Error);
            return;
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
            return;
        }

        var x = _report.Buckets.Select(b => (object)b.Start.UtcDateTime).ToList();
        _runsChart =
        [
            new Bar { Name = L["Apps.Monitoring.Runs"], X = x, Y = [.. _report.Buckets.Select(b => (object)(b.Runs - b.Failed))] },
            new Bar { Name = L["Apps.Monitoring.Errors"], X = x, Y = [.. _report.Buckets.Select(b => (object)b.Failed)] },
        ];
        _runsLayout = NarrowLayout().WithAxes(ChartTheme.DateXAxis(null, ticks: 3), ChartTheme.YAxis(L["Apps.Monitoring.Runs"], fromZero: true));
        _runsLayout.BarMode = Plotly.Blazor.LayoutLib.BarModeEnum.Stack;
        var timed = _report.Buckets.Where(b => b.P50Ms is not null).ToList();
        _latencyChart =
        [
            new Scatter { Name = "p50", X = [.. timed.Select(b => (object)b.Start.UtcDateTime)], Y = [.. timed.Select(b => (object)b.P50Ms!.Value)], Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers },
            new Scatter { Name = "p95", X = [.. timed.Select(b => (object)b.Start.UtcDateTime)], Y = [.. timed.Select(b => (object)b.P95Ms!.Value)], Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers },
        ];
        _latencyLayout = NarrowLayout().WithAxes(ChartTheme.DateXAxis(null, ticks: 3), ChartTheme.YAxis("ms", fromZero: true));
    }

    /// <summary>The charts live in the editor's narrow side panel: the legend goes above the plot, where the slanted dates under it cannot cover it.</summary>
    private static Layout NarrowLayout()
    {
        var layout = ChartTheme.Layout(null, 260, legend: true);
        layout.Legend = [new Plotly.Blazor.LayoutLib.Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, X = 0, Y = 1.02m, YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Bottom }];
        layout.Margin.T = 36;
        layout.Margin.B = 40;
        return layout;
    }

    private static string Ms(double? value) => value is { } v ? $"{v:0.#} ms" : "—";
}
