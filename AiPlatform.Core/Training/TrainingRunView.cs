using AiPlatform.Core.Access;

namespace AiPlatform.Core.Training;

/// <summary>A training run as pages and the API show it: with its place in the queue while it waits.</summary>
public sealed record TrainingRunView(TrainingRun Run, PermissionLevel Level, int? QueuePosition, string ExperimentName);
