using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Features.Tracking;

public partial class RunComparePage : PlatformPage
{
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private readonly Layout _parallelLayout = new() { Height = 420, Margin = new Plotly.Blazor.LayoutLib.Margin { L = 80, R = 80, T = 60, B = 30 } };
    private List<RunDetails> _runs = [];
    private List<string> _paramKeys = [];
    private List<string> _metricKeys = [];
    private IList<ITrace> _parallel = [];
    private int _dimensionCount;
    private bool _onlyDifferences;

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

    /// <summary>One axis per differing param (numeric, or categories as ticks) and per metric; one line per run, coloured by the last metric.</summary>
    private IList<ITrace> BuildParallel()
    {
        var dimensions = new List<Plotly.Blazor.Traces.ParCoordsLib.Dimension>();
        foreach (var key in _paramKeys.Where(Differs))
        {
            var values = _runs.Select(r => r.Param(key)).ToList();
            if (values.All(v => v is null || double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                dimensions.Add(new() { Label = key, Values = values.Select(v => (object)(v is null ? double.NaN : double.Parse(v, System.Globalization.CultureInfo.InvariantCulture))).ToList() });
            }
            else
            {
                var categories = values.Select(v => v ?? "—").Distinct().Order(StringComparer.Ordinal).ToList();
                dimensions.Add(new()
                {
                    Label = key,
                    Values = values.Select(v => (object)categories.IndexOf(v ?? "—")).ToList(),
                    TickVals = Enumerable.Range(0, categories.Count).Cast<object>().ToList(),
                    TickText = categories.Cast<object>().ToList(),
                });
            }
        }

        foreach (var key in _metricKeys)
        {
            dimensions.Add(new() { Label = key, Values = _runs.Select(r => (object)(r.Metric(key)?.RealValue ?? double.NaN)).ToList() });
        }

        _dimensionCount = dimensions.Count;
        if (dimensions.Count == 0)
        {
            return [];
        }

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
