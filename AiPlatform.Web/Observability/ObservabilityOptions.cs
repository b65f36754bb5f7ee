namespace AiPlatform.Web.Observability;

public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>Serve Prometheus metrics at <c>/metrics</c>.</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>Let Prometheus scrape <c>/metrics</c> without credentials (default); false requires a signed-in user or token.</summary>
    public bool MetricsAnonymous { get; set; } = true;
}
