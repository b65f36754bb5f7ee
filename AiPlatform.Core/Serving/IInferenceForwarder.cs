namespace AiPlatform.Core.Serving;

/// <summary>Where a Triton endpoint's call goes.</summary>
public sealed record ForwardTarget(Uri BaseAddress, string ModelName, int Version);

/// <summary>Triton's answer to a forwarded call, passed to the caller as it is; disposing it releases the connection.</summary>
public sealed class ForwardedResponse(int statusCode, string? contentType, Stream content, IDisposable owner, long? inferenceHeaderLength = null) : IDisposable
{
    public int StatusCode => statusCode;

    /// <summary>With binary tensor data: the length of the JSON header before Triton's binary part (null: none).</summary>
    public long? InferenceHeaderLength => inferenceHeaderLength;

    /// <summary>Triton's content type, or null when it sent none.</summary>
    public string? ContentType => contentType;

    /// <summary>Triton's body, read as the caller's response is written.</summary>
    public Stream Content => content;

    public void Dispose()
    {
        content.Dispose();
        owner.Dispose();
    }
}

/// <summary>The caller's infer body as it came: JSON, or with binary tensor data a JSON header of <paramref name="InferenceHeaderLength"/> bytes and the raw tensors.</summary>
public sealed record ForwardedBody(Stream Content, string? ContentType, long? InferenceHeaderLength);

/// <summary>Forwards an Open Inference Protocol infer call to the Triton server of an endpoint (HTTP in the Infrastructure layer).</summary>
public interface IInferenceForwarder
{
    /// <summary>
    /// Sends <paramref name="body"/> (the caller's bytes, content type and binary header length, unchanged) to the target
    /// version's infer route and returns the answer once its headers arrived.
    /// </summary>
    /// <exception cref="EndpointUnavailableException">Triton cannot be reached.</exception>
    Task<ForwardedResponse> ForwardAsync(ForwardTarget target, ForwardedBody body, CancellationToken ct);
}
