using System.Net.Http.Headers;
using System.Text;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Network;

namespace AiPlatform.Infrastructure.Apps;

/// <summary>
/// The HTTP request node's client: one connection pool whose every connection the <see cref="OutboundHostGuard"/>
/// resolves, checks and opens to a checked address (the SSRF guard of data sources and LLM providers, with its
/// allow-list), no redirects followed, no proxy, a time limit per request and the answer's body read up to a cap.
/// </summary>
internal sealed class GuardedAppHttpClient(OutboundHostGuard guard) : IAppHttpClient, IDisposable
{
    private readonly HttpClient _client = new(guard.CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<AppHttpResponse> SendAsync(AppHttpRequest request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        }

        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                if (message.Content is not null)
                {
                    message.Content.Headers.Remove(name);
                    message.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }
            else if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                throw new ArgumentException($"'{name}' cannot be set on a request.", nameof(request));
            }
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(request.Timeout);
        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var (bytes, truncated) = await ReadCappedAsync(response.Content, request.MaxResponseBytes, limit.Token);
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                headers[name.ToLowerInvariant()] = string.Join(", ", values);
            }

            var mediaType = response.Content.Headers.ContentType;
            return new AppHttpResponse((int)response.StatusCode, headers, EncodingOf(mediaType?.CharSet).GetString(bytes), mediaType?.MediaType, truncated);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Url.Host} did not answer within {request.Timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException e) when (Refusal(e) is { } refused)
        {
            // The guard refused the host inside the connection callback: say so, not "connection failed".
            throw refused;
        }
    }

    public void Dispose() => _client.Dispose();

    private static HostNotAllowedException? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is HostNotAllowedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static async Task<(byte[] Bytes, bool Truncated)> ReadCappedAsync(HttpContent content, long max, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            var room = max - buffer.Length;
            if (read > room)
            {
                buffer.Write(chunk, 0, (int)room);
                return (buffer.ToArray(), true);
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), false);
    }

    private static Encoding EncodingOf(string? charset)
    {
        if (!string.IsNullOrWhiteSpace(charset))
        {
            try
            {
                return Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
                // An unknown charset: UTF-8, the web's default.
            }
        }

        return Encoding.UTF8;
    }
}
