using AiPlatform.Core.Data;

namespace AiPlatform.Core.Training;

/// <summary>The built-in trainers (ML.NET in the Infrastructure layer).</summary>
public interface IBuiltInTrainer
{
    /// <summary>
    /// Checks the spec against the dataset's columns before anything is queued: the label and features exist and
    /// have usable types for the task. Throws <see cref="Common.ValidationException"/> with the reason.
    /// </summary>
    void Validate(BuiltInSpec spec, IReadOnlyList<DatasetColumn> columns);

    /// <summary>Trains on the local (Parquet or text) file of a dataset version and evaluates; writes files to <paramref name="workDirectory"/>.</summary>
    /// <remarks><paramref name="log"/> takes the English line and, where the platform has a resource for it, the same line by key.</remarks>
    Task<TrainingOutcome> TrainAsync(string dataPath, DatasetFormat format, BuiltInSpec spec, string workDirectory, Func<string, Jobs.JobText?, Task> log, CancellationToken ct);
}
