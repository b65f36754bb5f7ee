using System.Net.Http.Headers;
using AiPlatform.Core.Serving;

namespace AiPlatform.Infrastructure.Serving;

/// <summary>Sends the caller's infer body to Triton unchanged over HTTP and hands its answer back as it streams in.</summary>
internal sealed class TritonInferenceForwarder(IHttpClientFactory clients) : IInferenceForwarder
{
    /// <summary>The named <see cref="HttpClient"/> forwarded calls use (60 s timeout).</summary>
    public const string ClientName = "triton-forward";

    /// <summary>The binary tensor data extension's header: the length of the JSON before the raw tensors.</summary>
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    public async Task<ForwardedResponse> ForwardAsync(ForwardTarget target, ForwardedBody body, CancellationToken ct)
    {
        var client = clients.CreateClient(ClientName);
        var forward = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseAddress, $"v2/models/{Uri.EscapeDataString(target.ModelName)}/versions/{target.Version}/infer"))
        {
            Content = new StreamContent(body.Content),
        };

        // A binary request goes as it came (Triton serves the same extension): its content type and header length too.
        forward.Content.Headers.ContentType = body.InferenceHeaderLength is not null && MediaTypeHeaderValue.TryParse(body.ContentType, out var type) ? type : new MediaTypeHeaderValue("application/json");
        if (body.InferenceHeaderLength is { } length)
        {
            forward.Headers.TryAddWithoutValidation(HeaderLengthHeader, length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            forward.Dispose();
            throw new EndpointUnavailableException($"Triton of '{target.ModelName}' cannot be reached: {e.Message}");
        }
        catch
        {
            forward.Dispose();
            throw;
        }

        try
        {
            var content = await response.Content.ReadAsStreamAsync(ct);
            long? headerLength = response.Headers.TryGetValues(HeaderLengthHeader, out var values) && long.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
            return new ForwardedResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), content, new Exchange(forward, response), headerLength);
        }
        catch
        {
            response.Dispose();
            forward.Dispose();
            throw;
        }
    }

    /// <summary>The request and the response of one forwarded call, released together once the answer was copied.</summary>
    private sealed class Exchange(HttpRequestMessage request, HttpResponseMessage response) : IDisposable
    {
        public void Dispose()
        {
            response.Dispose();
            request.Dispose();
        }
    }
}
