using AiPlatform.Core.Access;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// A named group of runs inside a project; a securable object whose effective rights are the best of its own
/// grants and its project's (it inherits the project's sharing unless shared further).
/// </summary>
public sealed class Experiment : IOwnedObject
{
    public Guid Id { get; set; }

    /// <summary>The MLflow experiment id: a small number, unique on this installation.</summary>
    public long Number { get; set; }

    public Guid ProjectId { get; set; }

    /// <summary>Unique on the installation, as in MLflow (get-by-name must be unambiguous).</summary>
    public required string Name { get; set; }

    public LifecycleStage LifecycleStage { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string MlflowId => Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>MLflow's lifecycle of experiments and runs: deleting is soft and can be undone.</summary>
public enum LifecycleStage
{
    Active = 0,
    Deleted = 1,
}

/// <summary>A key/value on an experiment; setting a key again overwrites it.</summary>
public sealed class ExperimentTag
{
    public Guid ExperimentId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}
