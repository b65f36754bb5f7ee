using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;
using Plotly.Blazor;

namespace AiPlatform.Web.Components.Shared.Charts;

public partial class PlatformChart : ComponentBase, IAsyncDisposable
{
    private ElementReference _element;
    private IJSObjectReference? _module;
    private IList<ITrace>? _drawnData;
    private Plotly.Blazor.Layout? _drawnLayout;
    private bool _failed;
    private bool _disposed;

    /// <summary>
    /// Plotly.Blazor's types carry their own converters (Plotly names, enums as Plotly strings); leaving out unset (null)
    /// properties gives the JSON that Plotly.Blazor itself sends.
    /// </summary>
    private static readonly JsonSerializerOptions PlotlyJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The traces. A new list (or layout) instance redraws the chart; the same instance does not.</summary>
    [Parameter, EditorRequired]
    public IList<ITrace> Data { get; set; } = [];

    /// <summary>The layout, from <see cref="ChartTheme.Layout"/>.</summary>
    [Parameter, EditorRequired]
    public Plotly.Blazor.Layout Layout { get; set; } = new();

    /// <summary>Plotly's config; <see cref="ChartTheme.Config"/> when not given.</summary>
    [Parameter]
    public Config? Config { get; set; }

    [Parameter]
    public string? TestId { get; set; }

    /// <summary>The space the chart takes before it is drawn (its layout height), so that the page does not jump.</summary>
    private int Height => Layout.Height is { } height ? (int)height : 300;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private ILogger<PlatformChart> Logger { get; set; } = default!;

    [Inject]
    private IStringLocalizer<SharedResource> L { get; set; } = default!;

    /// <summary>Plotly's own words (mode bar tooltips, hints), by the English text Plotly looks up, in the reader's language.</summary>
    private static readonly (string Plotly, string Key)[] PlotlyWords =
    [
        ("Zoom", "Charts.Plotly.Zoom"), ("Pan", "Charts.Plotly.Pan"), ("Zoom in", "Charts.Plotly.ZoomIn"), ("Zoom out", "Charts.Plotly.ZoomOut"),
        ("Reset axes", "Charts.Plotly.ResetAxes"), ("Autoscale", "Charts.Plotly.Autoscale"), ("Download plot as a PNG", "Charts.Plotly.DownloadPng"),
        ("Download plot", "Charts.Plotly.Download"), ("Show closest data on hover", "Charts.Plotly.HoverClosest"), ("Compare data on hover", "Charts.Plotly.HoverCompare"),
        ("Double-click to zoom back out", "Charts.Plotly.DoubleClick"), ("Taking snapshot - this may take a few seconds", "Charts.Plotly.Snapshot"),
        ("Snapshot succeeded", "Charts.Plotly.SnapshotDone"), ("Reset view", "Charts.Plotly.ResetView"),
    ];

    /// <summary>The config with Plotly's words in the reader's language (Plotly ships English only).</summary>
    private Config Localized(Config config)
    {
        var culture = System.Globalization.CultureInfo.CurrentUICulture.Name;
        if (culture.Length == 0 || culture.StartsWith("en", StringComparison.OrdinalIgnoreCase))
        {
            return config;
        }

        config.Locale = culture;
        config.Locales = new Dictionary<string, object> { [culture] = new Dictionary<string, object> { ["dictionary"] = PlotlyWords.ToDictionary(w => w.Plotly, w => L[w.Key].Value) } };
        return config;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_failed || _disposed || (ReferenceEquals(Data, _drawnData) && ReferenceEquals(Layout, _drawnLayout)))
        {
            return;
        }

        _drawnData = Data;
        _drawnLayout = Layout;
        object[] arguments;
        try
        {
            arguments =
            [
                _element,
                ChartValues.Sanitize(Data).Select(trace => ChartValues.EscapeText(ToJson(trace))).ToList(),
                ChartValues.EscapeText(ToJson(Layout)),
                ToJson(Localized(Config ?? ChartTheme.Config())),
                ChartTheme.Modes,
            ];
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException or JsonException)
        {
            // A chart that cannot be serialised says so in place; the page around it keeps working.
            Logger.LogWarning(e, "A chart could not be prepared for drawing");
            _failed = true;
            StateHasChanged();
            return;
        }

        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./" + Assets["js/charts.js"]);
            await _module.InvokeVoidAsync("draw", arguments);
        }
        catch (JSDisconnectedException)
        {
        }
        catch (TaskCanceledException)
        {
        }
        catch (JSException e)
        {
            Logger.LogDebug(e, "The chart script failed");
        }
    }

    /// <summary>Plotly JSON of a trace, layout or config; throws on non-finite numbers (caught by the caller).</summary>
    internal static JsonElement ToJson(object value) => JsonSerializer.SerializeToElement(value, value.GetType(), PlotlyJson);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is null)
        {
            return;
        }

        try
        {
            await _module.InvokeVoidAsync("dispose", _element);
            await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
        }
        catch (TaskCanceledException)
        {
        }
        catch (JSException)
        {
        }

        GC.SuppressFinalize(this);
    }
}
