using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;

namespace AiPlatform.Infrastructure.Chat;

/// <summary>
/// The gateway's faithful forwarding: a request body goes to the provider as the client wrote it (only the model
/// renamed by the caller), so every field the provider knows — tools, response_format, logprobs, n, seed and those not
/// yet invented — reaches it, and its answer comes back whole. Chat:ProviderTimeout bounds each wait (for the answer to
/// begin, and for each next line of a stream), as the SDK's network timeout does for chat.
/// </summary>
internal sealed class OpenAiPassThrough(HttpClient http, TimeSpan timeout)
{
    /// <summary>The largest non-streamed answer read from a provider (16 MiB); a larger one is the platform's 502.</summary>
    internal const int MaxAnswerBytes = 16 * 1024 * 1024;

    /// <summary>The longest line of a provider's stream (1 MiB of characters); a longer one is the platform's 502.</summary>
    internal const int MaxLineChars = 1024 * 1024;

    public async Task<JsonObject> PostAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            wait.CancelAfter(timeout);
            using var response = await SendAsync(endpoint, path, body, wait.Token);
            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                throw TooLarge();
            }

            await using var content = await response.Content.ReadAsStreamAsync(wait.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await content.ReadAsync(chunk, wait.Token)) > 0)
            {
                if (buffer.Length + read > MaxAnswerBytes)
                {
                    throw TooLarge();
                }

                buffer.Write(chunk, 0, read);
            }

            return JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw ProviderFailureChatClient.TimedOut(e, waited.Elapsed, timeout);
        }
        catch (JsonException)
        {
            throw new ProviderUnavailableException("the provider's answer is not OpenAI-shaped JSON.");
        }
    }

    public async IAsyncEnumerable<JsonObject> StreamAsync(ProviderEndpoint endpoint, string path, JsonObject body, [EnumeratorCancellation] CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        HttpResponseMessage response;
        StreamReader reader;
        try
        {
            wait.CancelAfter(timeout);
            response = await SendAsync(endpoint, path, body, wait.Token);
            reader = new StreamReader(await response.Content.ReadAsStreamAsync(wait.Token), Encoding.UTF8);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw ProviderFailureChatClient.TimedOut(e, waited.Elapsed, timeout);
        }

        using (response)
        using (reader)
        {
            while (true)
            {
                string? line;
                waited.Restart();
                try
                {
                    wait.CancelAfter(timeout);
                    line = await ReadLineAsync(reader, wait.Token);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw ProviderFailureChatClient.TimedOut(e, waited.Elapsed, timeout);
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    throw new ProviderUnavailableException($"the provider broke off its answer: {e.Message}");
                }

                if (line is null)
                {
                    yield break;
                }

                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }

                var data = line[5..].Trim();
                if (data == "[DONE]")
                {
                    yield break;
                }

                JsonObject? chunk;
                try
                {
                    chunk = JsonNode.Parse(data) as JsonObject;
                }
                catch (JsonException)
                {
                    chunk = null;
                }

                if (chunk is not null)
                {
                    yield return chunk;
                }
            }
        }
    }

    private static ProviderUnavailableException TooLarge() =>
        new($"the provider's answer is larger than {MaxAnswerBytes / (1024 * 1024)} MiB.");

    /// <summary>
    /// One line of a stream, at most <see cref="MaxLineChars"/> characters (a provider sending more is refused, not
    /// buffered); null at the end.
    /// </summary>
    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new char[1];
        while (true)
        {
            if (await reader.ReadAsync(one.AsMemory(), ct) == 0)
            {
                return line.Length > 0 ? line.ToString() : null;
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            if (line.Length >= MaxLineChars)
            {
                throw new ProviderUnavailableException($"a line of the provider's stream is longer than {MaxLineChars / (1024 * 1024)} MiB.");
            }

            line.Append(one[0]);
        }
    }

    /// <summary>The provider's answer once its status says yes; its refusal as a <see cref="ProviderException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.BaseUrl.TrimEnd('/') + "/" + path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (endpoint.ApiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.ApiKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is HostNotAllowedException denied)
        {
            throw new ProviderUnavailableException($"the provider's address is not allowed: {denied.Message}");
        }
        catch (HttpRequestException e)
        {
            throw new ProviderUnavailableException($"the provider cannot be reached: {e.HttpRequestError}.");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            var detail = OpenAiConnector.ErrorMessage(text) ?? (text.Length > 200 ? text[..200] : text);
            TimeSpan? retryAfter = response.Headers.RetryAfter is { } condition ? condition.Delta ?? condition.Date - DateTimeOffset.UtcNow : null;
            long? retryAfterMs = response.Headers.TryGetValues("retry-after-ms", out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : null;
            throw new ProviderException(status, $"HTTP {status} ({response.ReasonPhrase}): {detail}", detail, retryAfter, retryAfterMs);
        }
    }
}
