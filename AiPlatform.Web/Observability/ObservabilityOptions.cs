namespace AiPlatform.Web.Observability;

public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>Serve Prometheus metrics at <c>/metrics</c>.</summary>
    public bool MetricsEnabled { get; set; } = true;
}
