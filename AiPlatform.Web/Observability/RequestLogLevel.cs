using Serilog.Events;

namespace AiPlatform.Web.Observability;

/// <summary>
/// The level of a request's completion line. Failures are always written: an exception or a 5xx at Error, a 4xx at
/// Information. The high-rate machine surfaces (OIP <c>/v2</c>, the MLflow <c>runs/log-*</c> calls a training loop
/// makes, the OpenAI-compatible gateway <c>/v1</c>) write a successful, fast request at Debug: at thousands of calls a
/// second those lines cost more than the calls and say nothing that the endpoint metrics do not. A slow one
/// (<see cref="ObservabilityOptions.SlowRequestMilliseconds"/> or more) is written at Information. Health, metrics
/// and Blazor's circuit are Verbose. Everything else is Information.
/// </summary>
public static class RequestLogLevel
{
    public static LogEventLevel For(HttpContext context, double elapsedMilliseconds, Exception? exception, double slowMilliseconds)
    {
        var status = context.Response.StatusCode;
        if (exception is not null || status >= 500)
        {
            return LogEventLevel.Error;
        }

        var path = context.Request.Path;
        if (path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics"))
        {
            return LogEventLevel.Verbose;
        }

        return status < 400 && elapsedMilliseconds < slowMilliseconds && IsHotPath(path) ? LogEventLevel.Debug : LogEventLevel.Information;
    }

    /// <summary>The routes called by machines at a high rate: inference, MLflow logging from a training loop, the gateway.</summary>
    internal static bool IsHotPath(PathString path)
    {
        if (path.StartsWithSegments("/v2") || path.StartsWithSegments("/v1"))
        {
            return true;
        }

        return (path.StartsWithSegments("/api/2.0/mlflow/runs", out var rest) || path.StartsWithSegments("/ajax-api/2.0/mlflow/runs", out rest))
            && rest.Value is { } action && action.StartsWith("/log-", StringComparison.OrdinalIgnoreCase);
    }
}
