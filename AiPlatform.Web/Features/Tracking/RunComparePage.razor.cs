using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Features.Tracking;

public partial class RunComparePage : PlatformPage
{
    private readonly Layout _parallelLayout = ChartTheme.ParallelLayout(420);
    private List<RunDetails> _runs = [];
    private List<string> _paramKeys = [];
    private List<string> _metricKeys = [];
    private IList<ITrace> _parallel = [];
    private int _dimensionCount;
    private bool _onlyDifferences;
    private readonly HashSet<string> _flipped = new(StringComparer.Ordinal);

    /// <summary>Comma-separated run ids.</summary>
    [SupplyParameterFromQuery(Name = "ids")]
    public string? Ids { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _runs = [];
        foreach (var id in (Ids ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().Take(50))
        {
            if (Guid.TryParse(id, out var runId))
            {
                try
                {
                    _runs.Add(await Runs.GetRunAsync(runId, PageToken));
                }
                catch (NotFoundException)
                {
                    // Runs the caller may not read are left out.
                }
            }
        }

        _paramKeys = _runs.SelectMany(r => r.Params.Select(p => p.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        _metricKeys = _runs.SelectMany(r => r.Metrics.Select(m => m.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        _parallel = BuildParallel();
    }

    private bool Differs(string key) => _runs.Select(r => r.Param(key)).Distinct().Count() > 1;

    private bool MetricDiffers(string key) => _runs.Select(r => ChartMath.Plottable(r.Metric(key)?.RealValue)).Distinct().Count() > 1;

    /// <summary>Whether lower is better for the metric: guessed from its name, flipped by the user.</summary>
    private bool LowerIsBetter(string key) => MetricDirection.LowerIsBetter(key) ^ _flipped.Contains(key);

    private void Flip(string key)
    {
        if (!_flipped.Add(key))
        {
            _flipped.Remove(key);
        }
    }

    /// <summary>The best finite value of the metric across the runs, in its direction; null when none is finite.</summary>
    private double? Best(string key)
    {
        var finite = _runs.Select(r => r.Metric(key)?.RealValue).Where(v => v is { } d && double.IsFinite(d)).Select(v => v!.Value).ToList();
        return finite.Count == 0 ? null : LowerIsBetter(key) ? finite.Min() : finite.Max();
    }

    /// <summary>
    /// One axis per differing param (numeric, or categories as ticks) and per metric; one line per run, coloured by the
    /// last metric. Missing and non-finite values become a "missing" tick, never NaN (which cannot be serialised).
    /// </summary>
    private IList<ITrace> BuildParallel()
    {
        var axes = _paramKeys.Where(Differs).Select(key => ChartMath.ParallelAxisOf(key, _runs.Select(r => r.Param(key)).ToList()))
            .Concat(_metricKeys.Select(key => ChartMath.NumericAxis(key, _runs.Select(r => r.Metric(key)?.RealValue).ToList())))
            .ToList();
        _dimensionCount = axes.Count;
        if (axes.Count == 0)
        {
            return [];
        }

        var dimensions = axes.Select(axis => new Plotly.Blazor.Traces.ParCoordsLib.Dimension
        {
            Label = axis.Label,
            Values = axis.Values.Cast<object>().ToList(),
            TickVals = axis.TickValues?.Cast<object>().ToList(),
            TickText = axis.TickText?.Cast<object>().ToList(),
        }).ToList();
        return
        [
            new ParCoords
            {
                Dimensions = dimensions,
                Line = new Plotly.Blazor.Traces.ParCoordsLib.Line { Color = dimensions[^1].Values, ShowScale = true },
            },
        ];
    }

    [Inject]
    private RunService Runs { get; set; } = default!;
}
