using Microsoft.AspNetCore.Http.Features;

namespace AiPlatform.Web.Api;

internal static class ProblemDetailsSetup
{
    /// <summary>Every problem gets a stable type and the request's correlation id.</summary>
    public static void Configure(ProblemDetailsOptions options) => options.CustomizeProblemDetails = ctx =>
    {
        var problem = ctx.ProblemDetails;
        var status = problem.Status ?? ctx.HttpContext.Response.StatusCode;
        if (string.IsNullOrEmpty(problem.Type) || problem.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
        {
            problem.Type = ProblemTypes.ForStatus(status);
        }

        problem.Instance ??= ctx.HttpContext.Request.Path;
        problem.Extensions["correlationId"] = ctx.HttpContext.TraceIdentifier;
        if (ctx.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
        {
            problem.Extensions["traceId"] = activity.TraceId.ToString();
        }
    };
}
