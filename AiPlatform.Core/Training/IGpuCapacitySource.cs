namespace AiPlatform.Core.Training;

/// <summary>GPUs a backend can offer (Kubernetes: the nodes' allocatable <c>nvidia.com/gpu</c>).</summary>
public sealed record GpuCapacity(int Nodes, int GpuNodes, int AllocatableGpus);

/// <summary>Backends that can tell how many GPUs they have.</summary>
public interface IGpuCapacitySource
{
    Task<GpuCapacity> GetGpuCapacityAsync(CancellationToken ct);
}
