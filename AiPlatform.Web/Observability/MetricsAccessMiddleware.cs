using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AiPlatform.Web.Observability;

/// <summary>
/// Who may read <c>/metrics</c> (its labels name endpoints and models, private ones included): anyone who reaches the
/// management port, or a scraper with the metrics token; nobody else. The management port answers nothing but
/// metrics and health, so it is not a second way into the platform.
/// </summary>
internal sealed class MetricsAccessMiddleware(RequestDelegate next, IOptions<ObservabilityOptions> options)
{
    private readonly IReadOnlySet<int> _managementPorts = options.Value.ManagementPorts();
    private readonly byte[]? _token = string.IsNullOrEmpty(options.Value.MetricsToken) ? null : Encoding.UTF8.GetBytes(options.Value.MetricsToken);

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        // Routing matches "/metrics/", "/METRICS" and "/metrics//" to the metrics endpoint too, so compare the path as
        // routing does: without trailing slashes and ignoring case.
        var isMetrics = IsMetricsPath(path);
        if (_managementPorts.Count > 0 && _managementPorts.Contains(context.Connection.LocalPort))
        {
            return isMetrics || path.StartsWithSegments("/health") ? next(context) : NotFoundAsync(context);
        }

        if (!isMetrics)
        {
            return next(context);
        }

        if (_token is null)
        {
            return NotFoundAsync(context);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), _token))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"metrics\"";
        return Results.Problem(statusCode: 401, title: "Metrics token required.", detail: "Send Authorization: Bearer <Observability:MetricsToken>, or scrape the management port.", type: Api.ProblemTypes.ForStatus(401)).ExecuteAsync(context);
    }

    internal static bool IsMetricsPath(PathString path) =>
        (path.Value ?? string.Empty).TrimEnd('/').Equals("/metrics", StringComparison.OrdinalIgnoreCase);

    private static Task NotFoundAsync(HttpContext context) =>
        Results.Problem(statusCode: 404, title: "Not found.", type: Api.ProblemTypes.ForStatus(404)).ExecuteAsync(context);
}
