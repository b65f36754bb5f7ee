namespace AiPlatform.Core.Training;

/// <summary>A backend's queue and capacity for the training pages and the dashboard.</summary>
public sealed record BackendStatus(TrainingBackendKind Kind, int MaxConcurrency, int Queued, int Active, GpuCapacity? Gpus);
