using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracing;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Tracking.Traces;

/// <summary>One trace: its span tree and, for the chosen span, inputs, outputs, attributes, timing, status and events.</summary>
public partial class TraceViewPage : PlatformPage
{
    private TraceDetails? _trace;
    private Experiment? _experiment;
    private IReadOnlyList<SpanView> _spans = [];
    private SpanView? _selected;
    private int _hidden;
    private long _origin;
    private bool _notFound;

    [Parameter]
    public string TraceId { get; set; } = string.Empty;

    [Inject]
    private TraceService Traces { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            (_trace, _experiment) = await Traces.GetAsync(TraceId, PageToken);
            var tree = SpanView.ParseTree(await Traces.GetSpansAsync(null, TraceId, PageToken));
            (_spans, _hidden) = (tree.Spans, tree.Hidden);
            _selected = _spans.FirstOrDefault();
            _origin = _spans.Count == 0 ? 0 : _spans.Min(s => s.StartNanos);
            _notFound = false;
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private static string Ms(double? ms) => ms switch
    {
        null => "—",
        < 1000 => ms.Value.ToString("0.#", CultureInfo.CurrentCulture) + " ms",
        _ => (ms.Value / 1000).ToString("0.00", CultureInfo.CurrentCulture) + " s",
    };

    private static string Tokens(long? input, long? output, long? total) =>
        total is null && input is null ? "—" : string.Create(CultureInfo.CurrentCulture, $"{total ?? ((input ?? 0) + (output ?? 0)):N0} ({input ?? 0:N0} → {output ?? 0:N0})");
}
