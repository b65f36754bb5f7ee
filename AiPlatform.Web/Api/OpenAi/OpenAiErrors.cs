using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using Microsoft.AspNetCore.WebUtilities;

namespace AiPlatform.Web.Api.OpenAi;

/// <summary>The gateway's errors in OpenAI's <c>{"error": {...}}</c> shape: the platform's exceptions and a provider's refusals.</summary>
internal static class OpenAiErrors
{
    public static IResult Error(int status, string message, string type, string? code = null, string? param = null) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: status);



    /// <summary>
    /// A provider's refusal in OpenAI's terms: its 4xx about the request (a prompt over the context window, an
    /// unknown parameter) is the client's 400 — <c>context_length_exceeded</c> where it says so — and its 429 the
    /// client's, with the provider's Retry-After; a provider that keeps the platform waiting past Chat:ProviderTimeout is a
    /// 504; anything else (down, wrong provider key, 5xx) is the platform's 502.
    /// </summary>
    public static IResult Refused(string model, Exception e)
    {
        var detail = e is ProviderException refused ? refused.Detail : e.Message;
        return e switch
        {
            ProviderException { Status: 400 or 404 or 413 or 422 } => Error(400, $"The model '{model}' refused the request: {detail}", "invalid_request_error", detail.Contains("context length", StringComparison.OrdinalIgnoreCase) || detail.Contains("context window", StringComparison.OrdinalIgnoreCase) ? "context_length_exceeded" : null),
            ProviderException { Status: 429 } busy => new RetryAfterResult(Error(429, $"The model '{model}' is busy: {detail}", "rate_limit_exceeded"), busy.RetryAfter, busy.RetryAfterMilliseconds),
            TimeoutException => Error(504, $"The model '{model}' did not answer: {detail}", "server_error", "timeout"),
            _ => Error(502, $"The model '{model}' did not answer: {detail}", "server_error"),
        };
    }

    /// <summary>The platform's own errors (unknown model, bad request, no right, quota) as OpenAI clients expect them.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            var (status, type, message) = e switch
            {
                GatewayLimitException limit => (limit.Status, "invalid_request_error", e.Message),
                NotFoundException => (404, "invalid_request_error", $"The model does not exist or you do not have access to it. ({e.Message})"),
                ValidationException v => (400, "invalid_request_error", string.Join(" ", v.Errors.SelectMany(x => x.Value))),
                JsonException or BadHttpRequestException => (400, "invalid_request_error", e.Message),
                ForbiddenException => (403, "permission_error", e.Message),
                ProviderUnavailableException => (502, "server_error", e.Message),
                QuotaExceededException => (429, "insufficient_quota", e.Message),
                AiPlatform.Core.Apps.AppRunLimitException => (429, "rate_limit_error", e.Message),
                _ => (500, "server_error", $"An unexpected error occurred; quote the correlation id {context.HttpContext.TraceIdentifier} when reporting it."),
            };
            if (status == 500)
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiEndpoints)).LogError(e, "Gateway error");
            }

            return Error(status, message, type, e switch
            {
                NotFoundException => "model_not_found",
                QuotaExceededException => "insufficient_quota",
                AiPlatform.Core.Apps.AppRunLimitException => "rate_limit_exceeded",
                ForbiddenException => "permission_denied",
                GatewayLimitException { Status: 413 } => "request_too_large",
                _ => null,
            }, e switch
            {
                GatewayLimitException limit => limit.Param,
                ValidationException v => v.Errors.Keys.FirstOrDefault(),
                _ => null,
            });
        }
    }

    /// <summary>
    /// The gateway's refusals made before its endpoints run (no or a wrong token: 401; a read-only token, a password to
    /// change: 403; an unknown method: 405) in OpenAI's shape too: every problem details the platform writes for a
    /// <c>/v1</c> path (the security middleware's, the status code pages' for body-less answers such as an IdP bearer
    /// token's challenge) goes through this writer, which comes before the default one.
    /// </summary>
    public static IServiceCollection AddOpenAiErrors(this IServiceCollection services) =>
        services.AddSingleton<IProblemDetailsWriter, ProblemWriter>();

    /// <summary>The <c>type</c> and <c>code</c> OpenAI gives a status.</summary>
    internal static (string Type, string? Code) Kind(int status) => status switch
    {
        401 => ("invalid_request_error", "invalid_api_key"),
        403 => ("permission_error", "permission_denied"),
        404 => ("invalid_request_error", "not_found"),
        429 => ("rate_limit_exceeded", "rate_limit_exceeded"),
        >= 500 => ("server_error", null),
        _ => ("invalid_request_error", null),
    };

    private sealed class ProblemWriter : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => context.HttpContext.Request.Path.StartsWithSegments("/v1");

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            var (type, code) = Kind(status);

            // The platform's stable problem type (password-change-required, forbidden…) is the code, but for 401, whose
            // code OpenAI clients know (invalid_api_key).
            if (status != 401 && context.ProblemDetails.Type is { } problem && problem.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
            {
                code = problem[ProblemTypes.Prefix.Length..];
            }

            var message = string.Join(" ", new[] { context.ProblemDetails.Title, context.ProblemDetails.Detail }.Where(t => !string.IsNullOrEmpty(t)));
            context.HttpContext.Response.StatusCode = status;
            return new(Error(status, message.Length > 0 ? message : ReasonPhrases.GetReasonPhrase(status), type, code).ExecuteAsync(context.HttpContext));
        }
    }

    /// <summary>
    /// A provider's 429 passed on with its own <c>Retry-After</c> (and OpenAI's <c>retry-after-ms</c>), so that clients back
    /// off as it asks: kept within 1 s to 1 h and written back in normal form (whole seconds), so a provider's odd or
    /// hostile value can neither break the answer nor stall its clients for days.
    /// </summary>
    private sealed class RetryAfterResult(IResult inner, TimeSpan? retryAfter, long? retryAfterMilliseconds) : IResult
    {
        private static readonly TimeSpan Longest = TimeSpan.FromHours(1);

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Clamp(wait.TotalSeconds, 1, Longest.TotalSeconds))).ToString(CultureInfo.InvariantCulture);
            }

            if (retryAfterMilliseconds is { } ms)
            {
                httpContext.Response.Headers["retry-after-ms"] = Math.Clamp(ms, 1, (long)Longest.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            }

            return inner.ExecuteAsync(httpContext);
        }
    }
}
