namespace AiPlatform.Core.Apps;

/// <summary>
/// The HTTP request node's way out (Infrastructure): every connection goes through the platform's outbound host policy
/// (the SSRF guard: loopback, link-local, metadata and the platform's own addresses refused unless an operator allowed
/// them in <c>DataSources:AllowedHosts</c>), redirects are not followed, and the answer's body is read up to a cap.
/// </summary>
public interface IAppHttpClient
{
    /// <summary>
    /// Sends the request and reads the answer. A refused host is a <see cref="Common.HostNotAllowedException"/>; no answer
    /// within <see cref="AppHttpRequest.Timeout"/> a <see cref="TimeoutException"/>; a connection that fails an
    /// <see cref="HttpRequestException"/>; cancellation of <paramref name="ct"/> an <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<AppHttpResponse> SendAsync(AppHttpRequest request, CancellationToken ct);
}

/// <param name="Method">GET, POST, PUT, PATCH, DELETE or HEAD.</param>
/// <param name="Headers">Request headers (a <c>Content-Type</c> applies to the body).</param>
/// <param name="Body">The body, sent as UTF-8; null for none.</param>
/// <param name="MaxResponseBytes">The most of the answer's body that is read; the rest is dropped and the answer says it was truncated.</param>
public sealed record AppHttpRequest(string Method, Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers, string? Body, TimeSpan Timeout, long MaxResponseBytes);

/// <param name="Headers">The answer's headers (several values joined with <c>", "</c>), names in lower case.</param>
/// <param name="Body">The body decoded with the charset of its <c>Content-Type</c> (UTF-8 when none or unknown).</param>
/// <param name="Truncated">True when the body was longer than <see cref="AppHttpRequest.MaxResponseBytes"/>.</param>
public sealed record AppHttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body, string? ContentType, bool Truncated);
