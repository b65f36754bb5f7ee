using Microsoft.AspNetCore.Antiforgery;

namespace AiPlatform.Web.Security;

/// <summary>
/// Cross-site request forgery guard for the session cookie: a state-changing request (POST, PUT, PATCH, DELETE)
/// authenticated by the cookie must carry a valid antiforgery token (the sign-in and settings forms do) or a custom
/// header, <c>X-AiPlatform-Csrf</c> or <c>X-Requested-With</c> (the Blazor/SignalR client sends the latter). A page on
/// another site can send neither: custom headers need a CORS preflight the platform never grants, and it cannot
/// read the token. Requests authenticated by a token, Basic or an IdP bearer token carry no ambient credential and are
/// not affected.
/// </summary>
internal sealed class CookieRequestForgeryMiddleware(RequestDelegate next, IAntiforgery antiforgery)
{
    public const string HeaderName = "X-AiPlatform-Csrf";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!SecuritySetup.IsCookieAuthenticated(context) || IsSafe(context.Request.Method) || HasCustomHeader(context.Request)
            || await antiforgery.IsRequestValidAsync(context))
        {
            await next(context);
            return;
        }

        await Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Cross-site request refused.",
            detail: $"A request signed in with the browser session must carry an antiforgery token or the {HeaderName} header. Scripts should use a personal access token.",
            type: Api.ProblemTypes.For("csrf")).ExecuteAsync(context);
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool HasCustomHeader(HttpRequest request) =>
        !string.IsNullOrWhiteSpace(request.Headers[HeaderName]) || string.Equals(request.Headers.XRequestedWith, "XMLHttpRequest", StringComparison.Ordinal);
}
