using AiPlatform.Core.Tracking;

namespace AiPlatform.Web.Features.Tracking;

/// <summary>Serves artifact bytes safely: never sniffed, sandboxed, and only images and plain text shown inline.</summary>
internal static class ArtifactResults
{
    public static IResult File(HttpContext http, RunArtifact artifact, Stream content, bool inline)
    {
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        http.Response.Headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";
        var type = ArtifactService.GuessContentType(artifact.Path);
        var safeInline = inline && type is "image/png" or "image/jpeg" or "image/gif" or "image/webp" or "text/plain" or "text/csv" or "application/json";
        var served = safeInline ? (type.StartsWith("text/", StringComparison.Ordinal) ? type + "; charset=utf-8" : type) : "application/octet-stream";
        return Results.Stream(content, served, safeInline ? null : artifact.Path[(artifact.Path.LastIndexOf('/') + 1)..], enableRangeProcessing: false);
    }
}
