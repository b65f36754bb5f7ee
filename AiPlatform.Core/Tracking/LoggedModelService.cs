using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// MLflow 3's logged models with MLflow's semantics (ids <c>m-&lt;32 hex&gt;</c>, params immutable, tags overwrite,
/// deleting is soft). A logged model takes the rights of its experiment: Read to get, search and download, Write to
/// create, finalize, tag, log to, upload to and delete.
/// </summary>
public sealed partial class LoggedModelService(
    ExperimentService experiments,
    RunService runs,
    AccessService access,
    ILoggedModelStore store,
    ITrackingStore tracking,
    IObjectStore objects,
    TrackingAudit audit,
    TimeProvider time)
{
    public const string ModelVersionsTag = "mlflow.modelVersions";
    public const int DefaultSearchResults = 100;
    public const int MaxSearchResults = 1000;
    public const int MaxNameLength = 250;

    /// <summary>The most experiments one logged-model search may name.</summary>
    public const int MaxSearchExperiments = 100;

    /// <summary>The most logged models one search loads to filter and order; a search that would need more must be narrowed.</summary>
    public const int MaxSearchCandidates = 10_000;

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public static string FormatId(Guid id) => "m-" + id.ToString("N");

    /// <summary>Parses <c>m-&lt;32 hex&gt;</c>; anything else is a model that does not exist.</summary>
    public static Guid ParseId(string? modelId) =>
        modelId is { Length: 34 } && modelId.StartsWith("m-", StringComparison.Ordinal) && Guid.TryParseExact(modelId[2..], "N", out var id)
            ? id
            : throw new NotFoundException("Logged model", modelId ?? string.Empty);

    public static string ArtifactLocation(Experiment experiment, LoggedModel model) => $"mlflow-artifacts:/{experiment.MlflowId}/models/{model.MlflowId}/artifacts";

    /// <summary>Reads the MLflow client's <c>mlflow.modelVersions</c> tag (<c>[{"name": …, "version": …}]</c>); a malformed tag gives none.</summary>
    public static IReadOnlyList<(string Name, int Version)> ParseRegistrations(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var result = new List<(string, int)>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                var name = item.GetProperty("name").GetString();
                var version = item.GetProperty("version") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : int.Parse(item.GetProperty("version").GetString()!, CultureInfo.InvariantCulture);
                if (name is { Length: > 0 } && !result.Contains((name, version)))
                {
                    result.Add((name, version));
                }
            }

            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException or ArgumentNullException)
        {
            return [];
        }
    }

    public async Task<LoggedModelDetails> CreateAsync(string? experimentMlflowId, string? name, string? modelType, string? sourceRunId, IReadOnlyList<KeyValuePair<string, string>>? parameters, IReadOnlyList<KeyValuePair<string, string>>? tags, CancellationToken ct)
    {
        var found = await experiments.GetExperimentByMlflowIdAsync(string.IsNullOrEmpty(experimentMlflowId) ? throw new ValidationException("experiment_id", "Missing value for required parameter 'experiment_id'.") : experimentMlflowId, ct);
        var experiment = await experiments.RequireExperimentAsync(found.Id, PermissionLevel.Write, ct);
        if (experiment.LifecycleStage != LifecycleStage.Active)
        {
            throw new ValidationException("experiment_id", $"The experiment {experiment.MlflowId} must be in the 'active' state. Current state is deleted.");
        }

        Guid? sourceRun = null;
        if (!string.IsNullOrEmpty(sourceRunId))
        {
            var (run, runExperiment, _) = await runs.RequireRunAsync(RunService.ParseRunId(sourceRunId), PermissionLevel.Read, ct);
            if (runExperiment.Id != experiment.Id)
            {
                throw new ValidationException("source_run_id", $"The run {run.MlflowId} is in experiment {runExperiment.MlflowId}, not in {experiment.MlflowId}.");
            }

            sourceRun = run.Id;
        }

        var context = await access.RequireContextAsync(ct);
        var now = time.GetUtcNow();
        var model = new LoggedModel
        {
            Id = Guid.CreateVersion7(now),
            ExperimentId = experiment.Id,
            Name = ValidName(name),
            SourceRunId = sourceRun,
            Status = LoggedModelStatus.Pending,
            ModelType = string.IsNullOrEmpty(modelType) ? null : TrackingLimits.ValidValue(modelType, 500, "Model type", "model_type"),
            UserId = context.UserId,
            UserName = context.UserName,
            CreatedAt = now.ToUnixTimeMilliseconds(),
            UpdatedAt = now.ToUnixTimeMilliseconds(),
            LifecycleStage = LifecycleStage.Active,
        };
        var paramRows = ValidParams(model.Id, parameters ?? []);
        var tagRows = ValidTags(model.Id, tags ?? []);
        await store.AddAsync(model, tagRows, paramRows, ct);
        await audit.RecordAsync("logged_model.create", SecurableTypes.Experiment, experiment.Id, new { model = model.MlflowId, model.Name, run = sourceRun?.ToString("N") }, ct);
        return await DetailsAsync(model, experiment, ct);
    }

    public async Task<LoggedModelDetails> GetAsync(Guid id, CancellationToken ct)
    {
        var (model, experiment) = await RequireModelAsync(id, PermissionLevel.Read, ct);
        return await DetailsAsync(model, experiment, ct);
    }

    public async Task<LoggedModelDetails> FinalizeAsync(Guid id, LoggedModelStatus status, CancellationToken ct)
    {
        if (!Enum.IsDefined(status))
        {
            throw new ValidationException("status", $"Invalid value {status} for parameter 'status' supplied.");
        }

        var (model, experiment) = await RequireModelAsync(id, PermissionLevel.Write, ct);
        model.Status = status;
        model.UpdatedAt = NowMs;
        await store.UpdateAsync(model, ct);
        await audit.RecordAsync("logged_model.finalize", SecurableTypes.Experiment, experiment.Id, new { model = model.MlflowId, status = status.ToString() }, ct);
        return await DetailsAsync(model, experiment, ct);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (model, experiment) = await RequireModelAsync(id, PermissionLevel.Write, ct);
        model.LifecycleStage = LifecycleStage.Deleted;
        model.UpdatedAt = NowMs;
        await store.UpdateAsync(model, ct);
        await audit.RecordAsync("logged_model.delete", SecurableTypes.Experiment, experiment.Id, new { model = model.MlflowId, model.Name }, ct);
    }

    public async Task SetTagsAsync(Guid id, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken ct)
    {
        var (model, _) = await RequireModelAsync(id, PermissionLevel.Write, ct);
        model.UpdatedAt = NowMs;
        await store.SetTagsAsync(model, ValidTags(model.Id, tags), ct);
    }

    public async Task DeleteTagAsync(Guid id, string? key, CancellationToken ct)
    {
        var (model, _) = await RequireModelAsync(id, PermissionLevel.Write, ct);
        if (!await store.DeleteTagAsync(model.Id, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Logged model tag", $"No tag with key '{key}' on logged model {model.MlflowId}");
        }
    }

    public async Task LogParamsAsync(Guid id, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        if (parameters.Count > TrackingLimits.MaxBatchParams)
        {
            throw new ValidationException("params", $"At most {TrackingLimits.MaxBatchParams} params can be logged in one request; got {parameters.Count}.");
        }

        var (model, _) = await RequireModelAsync(id, PermissionLevel.Write, ct);
        await store.AddParamsAsync(model.Id, ValidParams(model.Id, parameters), ct);
    }

    /// <summary>MLflow's <c>runs/outputs</c>: the run (Write) produced these models (each must be readable and in the run's experiment).</summary>
    public async Task LogOutputsAsync(Guid runId, IReadOnlyList<(string ModelId, long Step)> outputs, CancellationToken ct)
    {
        var (run, _, _) = await runs.RequireRunAsync(runId, PermissionLevel.Write, ct);
        RunService.RequireActive(run);
        var rows = new List<RunModelOutput>();
        foreach (var (modelId, step) in outputs)
        {
            var (model, _) = await RequireModelAsync(ParseId(modelId), PermissionLevel.Read, ct);
            if (model.ExperimentId != run.ExperimentId)
            {
                throw new ValidationException("models", $"The logged model {model.MlflowId} is not in the run's experiment.");
            }

            rows.Add(new RunModelOutput { RunId = run.Id, ModelId = model.Id, Step = step });
        }

        await store.AddOutputsAsync(rows, ct);
    }

    /// <summary>Records metrics a run logged with a <c>model_id</c> against those models too (the run's Write was checked by the caller).</summary>
    public async Task LogMetricsAsync(Guid runId, IReadOnlyList<(string ModelId, MetricInput Metric, string? DatasetName, string? DatasetDigest)> metrics, CancellationToken ct) =>
        await LogMetricsAsync(runId, metrics, await RequireMetricModelsAsync(metrics.Select(m => m.ModelId), ct), ct);

    /// <summary>
    /// Checks the models that metrics name by <c>model_id</c> (they exist and the caller has Write on them) and maps
    /// their MLflow ids to ours, so a caller can refuse the whole call before writing the run's own metrics.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Guid>> RequireMetricModelsAsync(IEnumerable<string> modelIds, CancellationToken ct)
    {
        var ids = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var modelId in modelIds.Distinct(StringComparer.Ordinal))
        {
            ids[modelId] = (await RequireModelAsync(ParseId(modelId), PermissionLevel.Write, ct)).Model.Id;
        }

        return ids;
    }

    /// <summary>Records metrics against models already checked by <see cref="RequireMetricModelsAsync"/>.</summary>
    public async Task LogMetricsAsync(Guid runId, IReadOnlyList<(string ModelId, MetricInput Metric, string? DatasetName, string? DatasetDigest)> metrics, IReadOnlyDictionary<string, Guid> ids, CancellationToken ct)
    {
        if (metrics.Count == 0)
        {
            return;
        }

        var now = NowMs;
        await store.AddMetricsAsync(metrics.Select(m => new LoggedModelMetric
        {
            ModelId = ids[m.ModelId],
            RunId = runId,
            Key = TrackingLimits.ValidKey(m.Metric.Key, "Metric"),
            Value = double.IsNaN(m.Metric.Value) ? 0 : m.Metric.Value,
            IsNan = double.IsNaN(m.Metric.Value),
            Timestamp = m.Metric.Timestamp ?? now,
            Step = m.Metric.Step,
            DatasetName = string.IsNullOrEmpty(m.DatasetName) ? null : m.DatasetName,
            DatasetDigest = string.IsNullOrEmpty(m.DatasetDigest) ? null : m.DatasetDigest,
        }).ToList(), ct);
    }

    /// <summary>The models a run produced (outputs and models naming it as source) that the caller may read, newest first.</summary>
    public async Task<IReadOnlyList<LoggedModelDetails>> ListForRunAsync(Guid runId, CancellationToken ct)
    {
        var (run, experiment, _) = await runs.RequireRunAsync(runId, PermissionLevel.Read, ct);
        var models = (await store.ListForRunAsync(run.Id, ct)).Where(m => m.ExperimentId == experiment.Id).ToList();
        return await DetailsAsync(models, new Dictionary<Guid, Experiment> { [experiment.Id] = experiment }, ct);
    }

    /// <summary>The output models of runs (for MLflow's <c>run.outputs.model_outputs</c>); the runs are already checked readable.</summary>
    public async Task<ILookup<Guid, RunModelOutput>> OutputsOfAsync(IReadOnlyCollection<Guid> runIds, CancellationToken ct) =>
        (await store.ListOutputsAsync(runIds, ct)).ToLookup(o => o.RunId);

    /// <summary>
    /// MLflow's <c>logged-models/search</c> in the experiments the caller may read (others give no models, as for runs):
    /// filter on attributes, <c>metrics.</c>, <c>params.</c> and <c>tags.</c>; metrics scoped to <paramref name="datasets"/>
    /// when given; ordered by <paramref name="orderBy"/>, then newest first.
    /// </summary>
    public async Task<LoggedModelPage> SearchAsync(IEnumerable<string> experimentMlflowIds, string? filter, IReadOnlyList<LoggedModelDatasetFilter>? datasets, IReadOnlyList<LoggedModelOrder>? orderBy, int offset, int maxResults, CancellationToken ct)
    {
        if (maxResults is < 1 or > MaxSearchResults)
        {
            throw new ValidationException("max_results", $"Invalid value {maxResults} for parameter 'max_results' supplied. It must be between 1 and {MaxSearchResults}.");
        }

        var experimentIds = experimentMlflowIds.Distinct(StringComparer.Ordinal).ToList();
        if (experimentIds.Count > MaxSearchExperiments)
        {
            throw new ValidationException("experiment_ids", $"A logged-model search may name at most {MaxSearchExperiments} experiments; got {experimentIds.Count}.");
        }

        var clauses = LoggedModelFilter.Parse(filter);
        var order = LoggedModelFilter.ValidOrder(orderBy ?? []);
        var readable = new Dictionary<Guid, Experiment>();
        foreach (var id in experimentIds)
        {
            try
            {
                var experiment = await experiments.GetExperimentByMlflowIdAsync(id, ct);
                readable[experiment.Id] = experiment;
            }
            catch (NotFoundException)
            {
                // As MLflow: experiments that do not exist (or the caller may not see) give no models.
            }
        }

        if (readable.Count == 0)
        {
            return new LoggedModelPage([], offset, false);
        }

        // The experiment, lifecycle and an exact name are filtered by the database; the rest in memory, over a bounded set.
        var name = clauses.FirstOrDefault(c => c is { Entity: SearchEntity.Attribute, Key: "name", Operator: "=", Value: string })?.Value as string;
        var candidates = await store.ListAsync(readable.Keys, name, MaxSearchCandidates + 1, ct);
        if (candidates.Count > MaxSearchCandidates)
        {
            throw new ValidationException("experiment_ids", $"The search would have to examine more than {MaxSearchCandidates} logged models; search fewer experiments or filter on name = '…'.");
        }

        var all = await DetailsAsync(candidates, readable, ct);
        var matching = LoggedModelFilter.Apply(all, clauses, datasets ?? [], order);
        var page = matching.Skip(Math.Max(0, offset)).Take(maxResults).ToList();
        return new LoggedModelPage(page, offset, matching.Count > offset + page.Count);
    }

    // ---- internals ----

    /// <summary>The model (not deleted) and its experiment, when the caller has <paramref name="required"/> on the experiment; an invisible one does not exist.</summary>
    internal async Task<(LoggedModel Model, Experiment Experiment)> RequireModelAsync(Guid id, PermissionLevel required, CancellationToken ct)
    {
        var model = await store.FindAsync(id, ct);
        if (model is null || model.LifecycleStage != LifecycleStage.Active)
        {
            throw new NotFoundException("Logged model", FormatId(id));
        }

        var experiment = await tracking.FindExperimentAsync(model.ExperimentId, ct) ?? throw new NotFoundException("Logged model", FormatId(id));
        var level = await experiments.LevelAsync(experiment, ct) ?? throw new NotFoundException("Logged model", FormatId(id));
        await access.RequireFoundLevelAsync(SecurableTypes.Experiment, experiment.Id, level, required, ct);
        return (model, experiment);
    }

    private async Task<LoggedModelDetails> DetailsAsync(LoggedModel model, Experiment experiment, CancellationToken ct) =>
        (await DetailsAsync([model], new Dictionary<Guid, Experiment> { [experiment.Id] = experiment }, ct))[0];

    private async Task<IReadOnlyList<LoggedModelDetails>> DetailsAsync(IReadOnlyList<LoggedModel> models, IReadOnlyDictionary<Guid, Experiment> experimentsById, CancellationToken ct)
    {
        if (models.Count == 0)
        {
            return [];
        }

        var data = await store.LoadDataAsync(models.Select(m => m.Id).ToList(), ct);
        var tags = data.Tags.ToLookup(t => t.ModelId);
        var parameters = data.Params.ToLookup(p => p.ModelId);
        var metrics = data.Metrics.ToLookup(m => m.ModelId);
        return models.Select(m => new LoggedModelDetails(m, experimentsById[m.ExperimentId], tags[m.Id].OrderBy(t => t.Key, StringComparer.Ordinal).ToList(), parameters[m.Id].OrderBy(p => p.Key, StringComparer.Ordinal).ToList(), metrics[m.Id].ToList())).ToList();
    }

    private static string ValidName(string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return RunService.GenerateRunName();
        }

        if (trimmed.Length > MaxNameLength || trimmed.Contains('/') || trimmed.Contains('\\') || trimmed.Any(char.IsControl) || trimmed is "." or "..")
        {
            throw new ValidationException("name", $"Invalid model name '{name}': use at most {MaxNameLength} characters without '/', '\\' or control characters.");
        }

        return trimmed;
    }

    private static List<LoggedModelParam> ValidParams(Guid modelId, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var rows = new Dictionary<string, LoggedModelParam>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            var row = new LoggedModelParam { ModelId = modelId, Key = TrackingLimits.ValidKey(key, "Param"), Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxParamValueLength, "Param", key) };
            if (rows.TryGetValue(row.Key, out var earlier) && earlier.Value != row.Value)
            {
                throw new ValidationException("params", $"Duplicate parameter keys have been submitted: '{row.Key}' with the values '{earlier.Value}' and '{row.Value}'.");
            }

            rows[row.Key] = row;
        }

        return rows.Values.ToList();
    }

    private static List<LoggedModelTag> ValidTags(Guid modelId, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var rows = new Dictionary<string, LoggedModelTag>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            var row = new LoggedModelTag { ModelId = modelId, Key = TrackingLimits.ValidKey(key, "Tag"), Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxRunTagValueLength, "Tag", key) };
            rows[row.Key] = row;
        }

        return rows.Values.ToList();
    }
}
