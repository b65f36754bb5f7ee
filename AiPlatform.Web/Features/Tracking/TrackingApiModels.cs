using AiPlatform.Core.Access;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Api.Mlflow;

namespace AiPlatform.Web.Features.Tracking;

public sealed record TagValue(string? Value);

public sealed record RenameRequest(string? Name);

public sealed record CreateExperimentRequest(Guid? ProjectId, string? Name, Dictionary<string, string>? Tags);

public sealed record CreateRunRequest(string? Name, Dictionary<string, string>? Tags);

public sealed record UpdateRunRequest(string? Name, string? Status, long? EndTime, string? Note);

public sealed record MetricLog(string? Key, double Value, long? Timestamp, long? Step);

public sealed record LogRequest(List<MetricLog>? Metrics, Dictionary<string, string>? Params, Dictionary<string, string>? Tags);

public sealed record DatasetLinkRequest(Guid DatasetId, Guid VersionId, string? Context);

public sealed record RunLink(Guid Id, string Name, Guid ExperimentId);

public sealed record MetricView(string Key, double Value, long Step, long Timestamp);

/// <summary>An experiment; <see cref="MlflowId"/> is its id in the MLflow API; <see cref="Permission"/> the caller's level (left out in lists).</summary>
public sealed record ExperimentView(
    Guid Id, string MlflowId, Guid ProjectId, string ProjectName, string Name, string LifecycleStage, Guid OwnerId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyDictionary<string, string> Tags, int RunCount, PermissionLevel? Permission)
{
    public static ExperimentView From(ExperimentSummary s, PermissionLevel? level) => new(
        s.Experiment.Id, s.Experiment.MlflowId, s.Experiment.ProjectId, s.ProjectName, s.Experiment.Name, MlflowJson.Stage(s.Experiment.LifecycleStage), s.Experiment.OwnerId,
        s.Experiment.CreatedAt, s.Experiment.UpdatedAt, s.Tags.ToDictionary(t => t.Key, t => t.Value), s.RunCount, level);
}

public sealed record RunInputView(string Name, string Digest, string SourceType, string Source, string? Context, Guid? DatasetId, Guid? DatasetVersionId);

/// <summary>A run with its latest metric values; times are Unix milliseconds as in MLflow.</summary>
public sealed record RunView(
    Guid Id, string MlflowId, Guid ExperimentId, string Name, string UserName, string Status, long StartTime, long? EndTime, string LifecycleStage,
    Guid? ParentRunId, string ArtifactUri, IReadOnlyDictionary<string, string> Params, IReadOnlyList<MetricView> Metrics, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<RunInputView> Inputs, PermissionLevel? Permission)
{
    public static RunView From(RunDetails d, PermissionLevel? level) => new(
        d.Run.Id, d.Run.MlflowId, d.Run.ExperimentId, d.Run.Name, d.Run.UserName, MlflowJson.Status(d.Run.Status), d.Run.StartTime, d.Run.EndTime,
        MlflowJson.Stage(d.Run.LifecycleStage), d.Run.ParentRunId, MlflowJson.ArtifactUri(d.Experiment, d.Run),
        d.Params.ToDictionary(p => p.Key, p => p.Value),
        d.Metrics.Select(m => new MetricView(m.Key, m.RealValue, m.Step, m.Timestamp)).ToList(),
        d.Tags.ToDictionary(t => t.Key, t => t.Value),
        d.Inputs.Select(i => new RunInputView(i.Name, i.Digest, i.SourceType, i.Source, i.Context, i.DatasetId, i.DatasetVersionId)).ToList(),
        level);
}
