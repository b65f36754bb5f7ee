using System.Security.Cryptography;

namespace AiPlatform.Web.Security;

/// <summary>
/// Browser hardening headers on every response. The Content-Security-Policy allows scripts only from the platform's
/// own origin plus the one inline import map, which carries a per-request nonce (<see cref="NonceOf"/>); styles may be
/// inline because MudBlazor and Blazor's reconnect dialog set <c>style</c> attributes; <c>connect-src 'self'</c>
/// covers the Blazor circuit's WebSocket; framing is refused. The API reference page (Scalar) boots from an inline
/// script it generates, so <c>/api/docs</c> gets its own policy.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    private const string NonceKey = "aip:csp-nonce";

    /// <summary>The nonce of this request's Content-Security-Policy, for the inline import map of the page shell.</summary>
    public static string NonceOf(HttpContext context) =>
        context.Items[NonceKey] as string ?? string.Empty;

    public Task InvokeAsync(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        context.Items[NonceKey] = nonce;
        var policy = PolicyFor(context.Request.Path, nonce);
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
            return Task.CompletedTask;
        });
        return next(context);
    }

    internal static string PolicyFor(PathString path, string nonce)
    {
        var scripts = path.StartsWithSegments("/api/docs")
            ? "script-src 'self' 'unsafe-inline'"
            : $"script-src 'self' 'nonce-{nonce}'";
        return string.Join("; ",
            "default-src 'self'",
            scripts,
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'");
    }
}
