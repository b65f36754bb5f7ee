using AiPlatform.Core.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace AiPlatform.Web.Api;

/// <summary>Turns exceptions into RFC 7807 responses: platform errors keep their code and message, others become a 500 without internals.</summary>
internal sealed class PlatformExceptionHandler(IProblemDetailsService problems, ILogger<PlatformExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            ValidationException or AiPlatform.Core.Serving.InferenceInputException => (StatusCodes.Status400BadRequest, "The request is invalid."),
            HostNotAllowedException => (StatusCodes.Status400BadRequest, "The host is not allowed."),
            AiPlatform.Core.Serving.EndpointUnavailableException => (StatusCodes.Status503ServiceUnavailable, "The endpoint cannot answer now."),
            AiPlatform.Core.Chat.ProviderUnavailableException => (StatusCodes.Status502BadGateway, "The model provider did not answer."),
            AiPlatform.Core.Chat.QuotaExceededException => (StatusCodes.Status429TooManyRequests, "Quota exceeded."),
            AiPlatform.Core.Apps.AppKeyLimitException or AiPlatform.Core.Apps.AppRunLimitException => (StatusCodes.Status429TooManyRequests, "Too many requests."),
            NotFoundException or AiPlatform.Core.Storage.ObjectNotFoundException => (StatusCodes.Status404NotFound, "Not found."),
            ConflictException or AlreadyExistsException => (StatusCodes.Status409Conflict, "Conflict."),
            AiPlatform.Core.Training.SandboxUnavailableException => (StatusCodes.Status409Conflict, "Custom code cannot run here."),
            AiPlatform.Core.Access.ForbiddenException => (StatusCodes.Status403Forbidden, "Forbidden."),
            AiPlatform.Core.Access.ReauthenticationRequiredException => (StatusCodes.Status403Forbidden, "Confirm it is you."),
            BadHttpRequestException bad => (bad.StatusCode, "The request is invalid."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "Client closed the request."),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }

        var problem = exception is ValidationException validation
            ? new HttpValidationProblemDetails(validation.Errors.ToDictionary(e => e.Key, e => e.Value))
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = title;
        problem.Detail = exception switch
        {
            PlatformException platform => platform.Message,
            BadHttpRequestException bad => bad.Message,
            _ => $"Quote the correlation id {httpContext.TraceIdentifier} when reporting this error.",
        };
        if (exception is PlatformException p)
        {
            problem.Type = ProblemTypes.For(p.Code);
            if (p.MessageKey is { } key)
            {
                // The reason by code: a client shows it in its user's language from the key and values (the UI's resources use the same).
                problem.Extensions["messageKey"] = key;
                problem.Extensions["messageArguments"] = p.MessageArguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            }
        }

        if (((exception as AiPlatform.Core.Apps.AppKeyLimitException)?.RetryAfter ?? (exception as AiPlatform.Core.Apps.AppRunLimitException)?.RetryAfter) is { } retryAfter)
        {
            httpContext.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(1, retryAfter.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
