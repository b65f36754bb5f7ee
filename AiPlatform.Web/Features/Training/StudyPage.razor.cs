using AiPlatform.Core.Common;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Features.Training;

public partial class StudyPage : LivePage
{
    private Layout _historyLayout = ChartTheme.Layout(null, 360, legend: true).WithAxes(ChartTheme.XAxis(null), ChartTheme.YAxis());
    private readonly Layout _parallelLayout = ChartTheme.ParallelLayout(400);
    private readonly Layout _importanceLayout = ChartTheme.Layout(null, 300).WithAxes(ChartTheme.XAxis(null), ChartTheme.YAxis());
    private IList<ITrace> _history = [];
    private IList<ITrace> _parallel = [];
    private IList<ITrace> _importance = [];
    private StudyView? _view;
    private bool _notFound;
    private int _revision;
    private string _fingerprint = string.Empty;

    [Parameter]
    public Guid Id { get; set; }

    protected override TimeSpan Interval => TimeSpan.FromSeconds(2);

    protected override Task OnParametersSetAsync() => RefreshAsync(PageToken);

    public static Color ColorOf(StudyStatus status) => status switch
    {
        StudyStatus.Succeeded => Color.Success,
        StudyStatus.Failed => Color.Error,
        StudyStatus.Cancelled => Color.Warning,
        _ => Color.Info,
    };

    protected override async Task RefreshAsync(CancellationToken ct)
    {
        if (_notFound || _view is { Study.Status: not StudyStatus.Running })
        {
            return;
        }

        try
        {
            _view = await Studies.GetAsync(Id, ct);
        }
        catch (NotFoundException)
        {
            _notFound = true;
            return;
        }

        var fingerprint = string.Join(",", _view.Trials.Select(t => $"{t.Status}{t.ObjectiveValue}"));
        if (fingerprint != _fingerprint)
        {
            _fingerprint = fingerprint;
            BuildCharts(_view);
            _revision++;
        }
    }

    private static IReadOnlyList<(string, string)> ImportanceRows(StudyView view) =>
        view.Importance.OrderByDescending(i => i.Value).Select(i => (i.Key, i.Value.ToString("P0", System.Globalization.CultureInfo.CurrentCulture))).ToList();

    private static Dictionary<string, string> TrialParams(TrainingRun trial) =>
        trial.TrialParamsJson is null ? [] : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(trial.TrialParamsJson)!;

    private void BuildCharts(StudyView view)
    {
        var scored = view.Trials.Where(t => t.ObjectiveValue is not null).OrderBy(t => t.TrialNumber).ToList();
        var best = new List<object>();
        double? running = null;
        foreach (var t in scored)
        {
            var v = t.ObjectiveValue!.Value;
            running = running is null ? v : view.Study.Direction == ObjectiveDirection.Minimize ? Math.Min(running.Value, v) : Math.Max(running.Value, v);
            best.Add(running.Value);
        }

        // Trial numbers are whole: ticks 1, 2, 3 (not 0.5, 1.5), at most about ten of them; both axes say what they show.
        var trialAxis = ChartTheme.XAxis(L["Studies.TrialAxis"]);
        trialAxis.DTick = Math.Max(1, (int)Math.Ceiling(scored.Count / 10.0));
        _historyLayout = ChartTheme.Layout(null, 360, legend: true).WithAxes(trialAxis, ChartTheme.YAxis(view.Study.ObjectiveMetric));
        _history =
        [
            new Scatter { X = scored.Select(t => (object)(t.TrialNumber ?? 0)).ToList(), Y = scored.Select(t => (object)t.ObjectiveValue!.Value).ToList(), Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers, Name = view.Study.ObjectiveMetric },
            new Scatter { X = scored.Select(t => (object)(t.TrialNumber ?? 0)).ToList(), Y = best, Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines, Name = L["Studies.BestSoFar"] },
        ];

        var dimensions = new List<Plotly.Blazor.Traces.ParCoordsLib.Dimension>();
        foreach (var p in view.SearchSpace)
        {
            var values = scored.Select(t => TrialParams(t).GetValueOrDefault(p.Name)).ToList();
            if (p.Type == ParameterType.Categorical)
            {
                dimensions.Add(new() { Label = p.Name, Values = values.Select(v => (object)p.Choices!.ToList().IndexOf(v ?? string.Empty)).ToList(), TickVals = Enumerable.Range(0, p.Choices!.Count).Cast<object>().ToList(), TickText = p.Choices.Cast<object>().ToList() });
            }
            else
            {
                dimensions.Add(new() { Label = p.Type == ParameterType.LogFloat ? $"log10 {p.Name}" : p.Name, Values = values.Select(v => (object)(double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? (p.Type == ParameterType.LogFloat ? Math.Log10(d) : d) : double.NaN)).ToList() });
            }
        }

        dimensions.Add(new() { Label = view.Study.ObjectiveMetric, Values = scored.Select(t => (object)t.ObjectiveValue!.Value).ToList() });
        _parallel = scored.Count == 0 ? [] : [new ParCoords { Dimensions = dimensions, Line = new Plotly.Blazor.Traces.ParCoordsLib.Line { Color = dimensions[^1].Values, ShowScale = true } }];
        var importance = view.Importance.OrderBy(i => i.Value).ToList();
        _importance = [new Bar { X = importance.Select(i => (object)i.Value).ToList(), Y = importance.Select(i => (object)i.Key).ToList(), Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H }];
    }

    private Task CancelAsync() => RunAsync(async ct =>
    {
        await Studies.CancelAsync(Id, ct);
        _view = await Studies.GetAsync(Id, ct);
        Snackbar.Add(L["Jobs.CancelRequested"], Severity.Info);
    });

    [Inject]
    private StudyService Studies { get; set; } = default!;

    /// <summary>A sampled value as the metrics are shown (0.08494137486687799 reads 0.0849); text values as they are.</summary>
    internal static string? ParamText(string? value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) ? RunFormat.Number(number) : value;
}
