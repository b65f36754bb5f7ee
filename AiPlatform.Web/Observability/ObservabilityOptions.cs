namespace AiPlatform.Web.Observability;

public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>Serve Prometheus metrics at <c>/metrics</c>.</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>
    /// Extra listen URLs for a management port (e.g. <c>http://0.0.0.0:9090</c>, several separated by <c>;</c>). When
    /// set, <c>/metrics</c> is served anonymously on these ports (which only answer <c>/metrics</c> and <c>/health/*</c>)
    /// and not on the public ones. Keep the port off the Ingress.
    /// </summary>
    public string? ManagementUrls { get; set; }

    /// <summary>
    /// A scrape secret: <c>/metrics</c> on the public port answers a request with <c>Authorization: Bearer &lt;token&gt;</c>.
    /// Without a management port or a token, metrics are not served on the public port.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>
    /// A successful request on a high-rate route (OIP <c>/v2</c>, MLflow <c>runs/log-*</c>, the gateway <c>/v1</c>) that
    /// takes this long or longer is logged at Information; faster ones at Debug (see <see cref="RequestLogLevel"/>).
    /// </summary>
    public double SlowRequestMilliseconds { get; set; } = 1000;

    /// <summary>The ports of <see cref="ManagementUrls"/>.</summary>
    public IReadOnlySet<int> ManagementPorts() =>
        (ManagementUrls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(url => Microsoft.AspNetCore.Http.BindingAddress.Parse(url).Port)
            .ToHashSet();
}
