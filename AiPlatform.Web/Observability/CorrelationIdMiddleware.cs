using Serilog.Context;

namespace AiPlatform.Web.Observability;

/// <summary>
/// Gives every request a correlation id (the caller's <c>X-Correlation-Id</c> when it is sane, else the
/// trace identifier), echoes it in the response and attaches it to every log line of the request.
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next)
{
    public const string Header = "X-Correlation-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = incoming is { Length: > 0 and <= 64 } && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? incoming
            : context.TraceIdentifier;
        context.TraceIdentifier = id;

        // Set when the response starts (an exception handler clears the headers first); static, so no closure per request.
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            http.Response.Headers[Header] = http.TraceIdentifier;
            return Task.CompletedTask;
        }, context);
        using (LogContext.PushProperty("CorrelationId", id))
        {
            await next(context);
        }
    }
}
