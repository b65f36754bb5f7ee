namespace AiPlatform.Core.Training;

/// <summary>A request to train: built-in (dataset version + spec) or custom (command + code).</summary>
public sealed record TrainingRequest(
    Guid ExperimentId,
    string? Name,
    TrainingKind Kind,
    BuiltInSpec? BuiltIn,
    CustomSpec? Custom,
    Guid? DatasetId,
    Guid? DatasetVersionId,
    TrainingBackendKind Backend = TrainingBackendKind.Local,
    int Priority = 0);
