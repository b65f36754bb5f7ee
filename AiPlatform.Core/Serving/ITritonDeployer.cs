using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>Deploys endpoints to Triton Inference Server on Kubernetes.</summary>
public interface ITritonDeployer
{
    bool Configured { get; }

    /// <summary>Writes the model repository (model file + <c>config.pbtxt</c>) and applies the Deployment and Service.</summary>
    Task ApplyAsync(ServingEndpoint endpoint, IReadOnlyList<TritonModel> models, CancellationToken ct);

    /// <summary>Whether the server answers <c>/v2/health/ready</c> and every model is ready.</summary>
    Task<bool> IsReadyAsync(ServingEndpoint endpoint, CancellationToken ct);

    /// <summary>Where <c>/v2</c> calls for the endpoint are forwarded.</summary>
    Uri BaseAddress(ServingEndpoint endpoint);

    Task DeleteAsync(ServingEndpoint endpoint, CancellationToken ct);

    /// <summary>How long an endpoint may stay Deploying after its manifests were applied (<c>Serving:Kubernetes:ReadinessTimeout</c>).</summary>
    TimeSpan ReadinessTimeout { get; }

    /// <summary>What the endpoint's pods are stuck on (e.g. <c>pod triton-x-1: ImagePullBackOff</c>), or null when it cannot be read.</summary>
    Task<string?> DescribePodsAsync(ServingEndpoint endpoint, CancellationToken ct);
}

/// <summary>A model version placed in a Triton model repository.</summary>
public sealed record TritonModel(int Version, string ObjectKey, ModelSignature? Signature);
