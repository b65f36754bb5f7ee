namespace AiPlatform.Core.Serving;

/// <summary>Where a Triton endpoint's call goes.</summary>
public sealed record ForwardTarget(Uri BaseAddress, string ModelName, int Version);

/// <summary>Triton's answer to a forwarded call, passed to the caller as it is; disposing it releases the connection.</summary>
public sealed class ForwardedResponse(int statusCode, string? contentType, Stream content, IDisposable owner) : IDisposable
{
    public int StatusCode => statusCode;

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

/// <summary>Forwards an Open Inference Protocol infer call to the Triton server of an endpoint (HTTP in the Infrastructure layer).</summary>
public interface IInferenceForwarder
{
    /// <summary>Sends <paramref name="body"/> (the caller's JSON, unchanged) to the target version's infer route and returns the answer once its headers arrived.</summary>
    /// <exception cref="EndpointUnavailableException">Triton cannot be reached.</exception>
    Task<ForwardedResponse> ForwardAsync(ForwardTarget target, Stream body, CancellationToken ct);
}
