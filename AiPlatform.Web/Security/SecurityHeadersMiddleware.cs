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

    /// <summary>The policy of API, protocol, health and metrics responses: they carry no page, so no nonce is drawn for them.</summary>
    private static readonly string ApiPolicy = PolicyFor("/api", nonce: null);

    public Task InvokeAsync(HttpContext context)
    {
        string policy;
        if (IsPage(context.Request.Path))
        {
            // Hex, not base64: "+" and "/" would be HTML-encoded in the attribute (harmless to a browser, but noisy).
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceKey] = nonce;
            policy = PolicyFor(context.Request.Path, nonce);
        }
        else
        {
            policy = ApiPolicy;
        }

        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            // An endpoint that set its own, stricter policy (artifact downloads: "sandbox; default-src 'none'") keeps it.
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = policy;
            }
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
            return Task.CompletedTask;
        });
        return next(context);
    }

    /// <summary>
    /// Whether the response may be an HTML page that needs a nonce: everything but the REST and protocol surfaces
    /// (except the API reference page under <c>/api/docs</c>), health and metrics.
    /// </summary>
    internal static bool IsPage(PathString path) =>
        path.StartsWithSegments("/api/docs")
        || !(SecuritySetup.AcceptsApiCredentials(path) || path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics"));

    internal static string PolicyFor(PathString path, string? nonce)
    {
        // 'unsafe-eval': Plotly's parallel coordinates (regl) compile shaders' glue code with new Function(), and Scalar
        // evaluates generated code; the browser test saw both blocked without it. It does not re-open inline script or
        // event-handler attributes, the XSS vectors. The policy of the first page holds for the whole Blazor session
        // (navigation is client-side), so it cannot be narrowed to the compare page.
        var scripts = path.StartsWithSegments("/api/docs")
            ? "script-src 'self' 'unsafe-inline' 'unsafe-eval'"
            : nonce is null ? "script-src 'self'" : $"script-src 'self' 'nonce-{nonce}' 'unsafe-eval'";
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
