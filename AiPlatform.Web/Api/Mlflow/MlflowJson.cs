using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Web.Api.Mlflow;

/// <summary>
/// MLflow's wire format: snake_case fields, int64 as JSON numbers (strings accepted), NaN and infinities as the
/// strings "NaN" / "Infinity" (protobuf's JSON mapping), enums by name.
/// </summary>
internal static class MlflowJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static MlflowExperiment Experiment(Experiment e, IEnumerable<ExperimentTag> tags) => new(
        e.MlflowId,
        e.Name,
        $"mlflow-artifacts:/{e.MlflowId}",
        Stage(e.LifecycleStage),
        e.UpdatedAt.ToUnixTimeMilliseconds(),
        e.CreatedAt.ToUnixTimeMilliseconds(),
        tags.Select(t => new MlflowTag(t.Key, t.Value)).ToList());

    public static MlflowRunInfo Info(Run run, Experiment experiment) => new(
        run.MlflowId, run.MlflowId, run.Name, experiment.MlflowId, run.UserName, Status(run.Status), run.StartTime, run.EndTime,
        ArtifactUri(experiment, run), Stage(run.LifecycleStage));

    /// <summary>The MLflow artifact root of a run: <c>mlflow-artifacts:/&lt;experiment&gt;/&lt;run&gt;/artifacts</c>.</summary>
    public static string ArtifactUri(Experiment experiment, Run run) => $"mlflow-artifacts:/{experiment.MlflowId}/{run.MlflowId}/artifacts";

    public static MlflowRun Run(RunDetails d) => Run(d, null);

    /// <summary>A run with its output models (MLflow 3's <c>outputs.model_outputs</c>), which the client's register_model reads.</summary>
    public static MlflowRun Run(RunDetails d, IEnumerable<RunModelOutput>? outputs) => new(
        Info(d.Run, d.Experiment),
        new MlflowRunData(
            d.Metrics.Select(m => new MlflowMetric(m.Key, m.RealValue, m.Timestamp, m.Step)).ToList(),
            d.Params.Select(p => new MlflowTag(p.Key, p.Value)).ToList(),
            d.Tags.Select(t => new MlflowTag(t.Key, t.Value)).ToList()),
        new MlflowRunInputs(d.Inputs.Select(i => new MlflowDatasetInput(
            i.Context is null ? [] : [new MlflowTag("mlflow.data.context", i.Context)],
            new MlflowDataset(i.Name, i.Digest, i.SourceType, i.Source, i.Schema, i.Profile))).ToList()),
        outputs is null ? null : new MlflowRunOutputs(outputs.Select(o => new MlflowModelOutput(LoggedModelService.FormatId(o.ModelId), o.Step)).ToList()));

    /// <summary>MLflow 3's <c>LoggedModel</c> (info and data).</summary>
    public static object LoggedModel(LoggedModelDetails d) => new
    {
        info = new
        {
            model_id = d.Model.MlflowId,
            experiment_id = d.Experiment.MlflowId,
            name = d.Model.Name,
            creation_timestamp_ms = d.Model.CreatedAt,
            last_updated_timestamp_ms = d.Model.UpdatedAt,
            artifact_uri = d.ArtifactLocation,
            status = LoggedModelStatusName(d.Model.Status),
            model_type = d.Model.ModelType,
            source_run_id = d.Model.SourceRunId?.ToString("N"),
            status_message = d.Model.StatusMessage,
            tags = d.Tags.Select(t => new MlflowTag(t.Key, t.Value)).ToList(),
            registrations = d.Registrations.Select(r => new { name = r.Name, version = r.Version.ToString(CultureInfo.InvariantCulture) }).ToList(),
        },
        data = new
        {
            @params = d.Params.Select(p => new MlflowTag(p.Key, p.Value)).ToList(),
            metrics = d.Metrics.Select(m => new
            {
                key = m.Key,
                value = m.RealValue,
                timestamp = m.Timestamp,
                step = m.Step,
                dataset_name = m.DatasetName,
                dataset_digest = m.DatasetDigest,
                model_id = d.Model.MlflowId,
                run_id = m.RunId?.ToString("N"),
            }).ToList(),
        },
    };

    public static string LoggedModelStatusName(LoggedModelStatus status) => status switch
    {
        LoggedModelStatus.Ready => "LOGGED_MODEL_READY",
        LoggedModelStatus.UploadFailed => "LOGGED_MODEL_UPLOAD_FAILED",
        _ => "LOGGED_MODEL_PENDING",
    };

    /// <summary>A <c>LoggedModelStatus</c> by protobuf name (<c>LOGGED_MODEL_READY</c>), short name or number.</summary>
    public static LoggedModelStatus? ParseLoggedModelStatus(JsonElement? element) => element switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var n) && Enum.IsDefined((LoggedModelStatus)n) => (LoggedModelStatus)n,
        { ValueKind: JsonValueKind.String } e when e.GetString() is { } text
            && Enum.TryParse<LoggedModelStatus>(text.Replace("LOGGED_MODEL_", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal), true, out var s)
            && Enum.IsDefined(s) && !int.TryParse(text, out _) => s,
        _ => throw new Core.Common.ValidationException("status", $"Invalid value {element} for parameter 'status' supplied."),
    };

    public static string Stage(LifecycleStage stage) => stage == LifecycleStage.Active ? "active" : "deleted";

    public static string Status(RunStatus status) => status.ToString().ToUpperInvariant();

    public static RunStatus? ParseStatus(JsonElement? element) => element switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.Number } e when Enum.IsDefined((RunStatus)e.GetInt32()) => (RunStatus)e.GetInt32(),
        { ValueKind: JsonValueKind.String } e when Enum.TryParse<RunStatus>(e.GetString(), true, out var s) && Enum.IsDefined(s) => s,
        _ => throw new Core.Common.ValidationException("status", $"Invalid value {element} for parameter 'status' supplied."),
    };

    public static ViewType ParseViewType(string? text) => text switch
    {
        null or "" => ViewType.ActiveOnly,
        _ when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Enum.IsDefined((ViewType)n) => (ViewType)n,
        _ when Enum.TryParse<ViewType>(text.Replace("_", string.Empty, StringComparison.Ordinal), true, out var v) && Enum.IsDefined(v) => v,
        _ => throw new Core.Common.ValidationException("view_type", $"Invalid value {text} for parameter 'view_type' supplied."),
    };

    public static ViewType ParseViewType(JsonElement? element) => element switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => ViewType.ActiveOnly,
        { ValueKind: JsonValueKind.Number } e => ParseViewType(e.GetRawText()),
        { ValueKind: JsonValueKind.String } e => ParseViewType(e.GetString()),
        _ => throw new Core.Common.ValidationException("view_type", "Invalid value for parameter 'view_type' supplied."),
    };
}

internal sealed record MlflowTag(string Key, string Value);

internal sealed record MlflowExperiment(string ExperimentId, string Name, string ArtifactLocation, string LifecycleStage, long LastUpdateTime, long CreationTime, IReadOnlyList<MlflowTag> Tags);

internal sealed record MlflowRunInfo(string RunId, string RunUuid, string RunName, string ExperimentId, string UserId, string Status, long StartTime, long? EndTime, string ArtifactUri, string LifecycleStage);

internal sealed record MlflowMetric(string Key, double Value, long Timestamp, long Step);

internal sealed record MlflowRunData(IReadOnlyList<MlflowMetric> Metrics, IReadOnlyList<MlflowTag> Params, IReadOnlyList<MlflowTag> Tags);

internal sealed record MlflowDataset(string Name, string Digest, string SourceType, string Source, string? Schema, string? Profile);

internal sealed record MlflowDatasetInput(IReadOnlyList<MlflowTag> Tags, MlflowDataset Dataset);

internal sealed record MlflowRunInputs(IReadOnlyList<MlflowDatasetInput> DatasetInputs);

internal sealed record MlflowModelOutput(string ModelId, long Step);

internal sealed record MlflowRunOutputs(IReadOnlyList<MlflowModelOutput> ModelOutputs);

internal sealed record MlflowRun(MlflowRunInfo Info, MlflowRunData Data, MlflowRunInputs Inputs, MlflowRunOutputs? Outputs);

internal sealed record MlflowFileInfo(string Path, bool IsDir, long? FileSize);

// Requests: every field optional here, so a missing one gets MLflow's "Missing value for required parameter" message.
internal sealed record TagBody(string? Key, string? Value);

internal sealed record CreateExperimentBody(string? Name, string? ArtifactLocation, List<TagBody>? Tags);

internal sealed record ExperimentBody(string? ExperimentId, string? NewName, string? Key, string? Value);

internal sealed record SearchExperimentsBody(int? MaxResults, string? PageToken, string? Filter, List<string>? OrderBy, JsonElement? ViewType);

internal sealed record CreateRunBody(string? ExperimentId, string? UserId, string? RunName, long? StartTime, List<TagBody>? Tags);

internal sealed record RunBody(string? RunId, string? RunUuid, JsonElement? Status, long? EndTime, string? RunName, string? Key, string? Value)
{
    public string? Id => string.IsNullOrEmpty(RunId) ? RunUuid : RunId;
}

internal sealed record LogMetricBody(string? RunId, string? RunUuid, string? Key, double? Value, long? Timestamp, long? Step, string? ModelId, string? DatasetName, string? DatasetDigest)
{
    public string? Id => string.IsNullOrEmpty(RunId) ? RunUuid : RunId;
}

internal sealed record MetricBody(string? Key, double? Value, long? Timestamp, long? Step, string? ModelId = null, string? DatasetName = null, string? DatasetDigest = null);

internal sealed record LogBatchBody(string? RunId, List<MetricBody>? Metrics, List<TagBody>? Params, List<TagBody>? Tags);

internal sealed record SearchRunsBody(List<string>? ExperimentIds, string? Filter, JsonElement? RunViewType, int? MaxResults, List<string>? OrderBy, string? PageToken);

internal sealed record DatasetBody(string? Name, string? Digest, string? SourceType, string? Source, string? Schema, string? Profile);

internal sealed record DatasetInputBody(List<TagBody>? Tags, DatasetBody? Dataset);

internal sealed record LogInputsBody(string? RunId, List<DatasetInputBody>? Datasets);
