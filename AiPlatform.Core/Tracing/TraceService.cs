using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Tracing;

/// <summary>What a client sends to create a trace (MLflow's TraceInfo V3, or V2's start).</summary>
public sealed record TraceInput(
    string TraceId,
    string? ClientRequestId,
    string? RequestPreview,
    string? ResponsePreview,
    TraceState State,
    long RequestTime,
    long? ExecutionDuration,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Traces with MLflow's semantics, checked through their experiment: Read to get and search, Write to create, tag,
/// delete and upload spans. The platform's own LLM traces live in each user's private system experiment
/// (<see cref="PlatformTraceWriter"/>), which only its owner may read, whatever the project's sharing says.
/// </summary>
public sealed partial class TraceService(AccessService access, ExperimentService experiments, ITrackingStore tracking, ITraceStore store, TrackingAudit audit, TimeProvider time)
{
    public const int MaxPreviewLength = 1000;
    public const int MaxValueLength = 8000;
    public const int MaxSearchResults = 500;
    public const int DefaultSearchResults = 100;
    public const int MaxSpansBytes = 20 * 1024 * 1024;

    /// <summary>At most this many spans are accepted in one uploaded <c>traces.json</c>.</summary>
    public const int MaxSpans = SpanView.MaxSpans;

    /// <summary>The latest time a trace may have (9999-12-31T23:59:59.999Z, the end of <see cref="DateTimeOffset"/>), in ms since 1970.</summary>
    public const long MaxTimeMillis = 253_402_300_799_999;

    /// <summary>
    /// The reserved prefix of experiment tag keys: only the platform sets them (see <see cref="ExperimentService"/>),
    /// because <see cref="SystemTag"/> decides who may read an experiment's traces.
    /// </summary>
    public const string ReservedTagPrefix = "aiplatform.system";

    /// <summary>The experiment tag that marks a user's private system experiment of platform traces.</summary>
    public const string SystemTag = "aiplatform.system";

    public const string SystemTagValue = "llm-traces";

    public const string TraceNameTag = "mlflow.traceName";
    public const string SourceRunKey = "mlflow.sourceRun";
    public const string TokenUsageKey = "mlflow.trace.tokenUsage";
    public const string ArtifactLocationTag = "mlflow.artifactLocation";

    /// <summary>Creates (or, when the client retries, replaces) a trace in an experiment the caller may write.</summary>
    public async Task<TraceDetails> CreateAsync(string? experimentMlflowId, TraceInput input, CancellationToken ct)
    {
        var experiment = await experiments.GetExperimentByMlflowIdAsync(string.IsNullOrEmpty(experimentMlflowId) ? ExperimentService.DefaultExperimentMlflowId : experimentMlflowId, ct, createDefault: true);
        await RequireAsync(experiment, PermissionLevel.Write, ct);
        var context = await access.RequireContextAsync(ct);
        var id = ValidTraceId(input.TraceId);
        ValidTime(input.RequestTime, "request_time");
        if (input.ExecutionDuration is { } duration)
        {
            ValidTime(duration, "execution_duration");
        }

        if (await store.FindAsync(id, ct) is { } existing && existing.Info.ExperimentId != experiment.Id)
        {
            // Trace ids are one key for the whole platform; the answer is the same whether or not the caller may read
            // the experiment that holds the id, and does not say where it is.
            throw new AlreadyExistsException($"Trace '{id}' already exists.");
        }

        var tags = Valid(input.Tags, "tags");
        var metadata = Valid(input.Metadata, "trace_metadata");
        var info = new TraceInfo
        {
            TraceId = id,
            ExperimentId = experiment.Id,
            ClientRequestId = Limit(input.ClientRequestId, 250),
            RequestPreview = Limit(input.RequestPreview, MaxPreviewLength),
            ResponsePreview = Limit(input.ResponsePreview, MaxPreviewLength),
            State = input.State,
            RequestTime = input.RequestTime,
            ExecutionDuration = input.ExecutionDuration,
            Source = "mlflow",
            CreatedBy = context.UserId,
            CreatedAt = time.GetUtcNow(),
        };
        Derive(info, tags, metadata);
        await store.SaveTraceAsync(info, tags, metadata, ct);
        return new TraceDetails(info, tags, metadata);
    }

    /// <summary>V2's end-trace: sets the end time and status, merges metadata and tags.</summary>
    public async Task<TraceDetails> EndAsync(string traceId, long endTimeMillis, TraceState state, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, string> tags, CancellationToken ct)
    {
        ValidTime(endTimeMillis, "timestamp_ms");
        var (details, _) = await GetAsync(traceId, PermissionLevel.Write, ct);
        var info = details.Info;
        info.State = state;
        info.ExecutionDuration = Math.Clamp(endTimeMillis - Math.Clamp(info.RequestTime, 0, MaxTimeMillis), 0, MaxTimeMillis); // both within 0 … MaxTimeMillis: no overflow
        var mergedTags = details.Tags.Concat(Valid(tags, "tags")).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var mergedMetadata = details.Metadata.Concat(Valid(metadata, "request_metadata")).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        Derive(info, mergedTags, mergedMetadata);
        await store.UpdateTraceAsync(info, mergedTags, mergedMetadata, ct);
        return new TraceDetails(info, mergedTags, mergedMetadata);
    }

    public async Task<(TraceDetails Trace, Experiment Experiment)> GetAsync(string? traceId, CancellationToken ct) =>
        await GetAsync(traceId, PermissionLevel.Read, ct);

    /// <summary>Searches the traces of experiments (MLflow ids) the caller may read; an unreadable one is not found.</summary>
    public async Task<(TracePage Page, IReadOnlyDictionary<Guid, Experiment> Experiments)> SearchAsync(IReadOnlyCollection<string> experimentMlflowIds, string? filter, IEnumerable<string>? orderBy, int offset, int? maxResults, CancellationToken ct)
    {
        if (experimentMlflowIds.Count == 0)
        {
            throw new ValidationException("locations", "Name at least one experiment to search traces in.");
        }

        var found = new Dictionary<Guid, Experiment>();
        foreach (var mlflowId in experimentMlflowIds.Distinct())
        {
            var experiment = await experiments.GetExperimentByMlflowIdAsync(mlflowId, ct);
            await RequireAsync(experiment, PermissionLevel.Read, ct);
            found[experiment.Id] = experiment;
        }

        var page = await store.SearchAsync(Query(found.Keys, filter, orderBy, offset, maxResults), ct);
        return (page, found);
    }

    /// <summary>The traces of one experiment (the experiment page's Traces tab).</summary>
    public async Task<TracePage> SearchExperimentAsync(Guid experimentId, string? filter, int offset, int limit, CancellationToken ct)
    {
        var (experiment, _) = await experiments.GetExperimentAsync(experimentId, ct);
        await RequireAsync(experiment, PermissionLevel.Read, ct);
        return await store.SearchAsync(Query([experiment.Id], filter, null, offset, limit), ct);
    }

    public async Task SetTagAsync(string? traceId, string? key, string? value, CancellationToken ct)
    {
        var (details, _) = await GetAsync(traceId, PermissionLevel.Write, ct);
        await store.SetTagAsync(details.Info.TraceId, TrackingLimits.ValidKey(key, "Tag"), TrackingLimits.ValidValue(value, MaxValueLength, "Tag", key!), ct);
    }

    public async Task DeleteTagAsync(string? traceId, string? key, CancellationToken ct)
    {
        var (details, _) = await GetAsync(traceId, PermissionLevel.Write, ct);
        if (!await store.DeleteTagAsync(details.Info.TraceId, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Trace tag", key ?? string.Empty);
        }
    }

    /// <summary>MLflow's delete-traces: either the named traces, or the oldest up to a time (at most <paramref name="maxTraces"/>).</summary>
    public async Task<int> DeleteAsync(string? experimentMlflowId, IReadOnlyCollection<string>? traceIds, long? maxTimestampMillis, int? maxTraces, CancellationToken ct)
    {
        var experiment = await experiments.GetExperimentByMlflowIdAsync(Required(experimentMlflowId, "experiment_id"), ct);
        await RequireAsync(experiment, PermissionLevel.Write, ct);
        var byIds = traceIds is { Count: > 0 };
        if (byIds == (maxTimestampMillis is not null))
        {
            throw new ValidationException("request_ids", "Exactly one of max_timestamp_millis and request_ids must be specified.");
        }

        if (byIds && maxTraces is not null)
        {
            throw new ValidationException("max_traces", "max_traces can't be specified if request_ids is specified.");
        }

        if (maxTraces is <= 0)
        {
            throw new ValidationException("max_traces", "max_traces must be a positive integer.");
        }

        var deleted = await store.DeleteAsync(experiment.Id, traceIds, maxTimestampMillis, maxTraces, ct);
        await audit.RecordAsync("traces.delete", SecurableTypes.Experiment, experiment.Id, new { deleted, traces = traceIds, max_timestamp_millis = maxTimestampMillis, max_traces = maxTraces }, ct);
        return deleted;
    }

    /// <summary>Stores the spans document of a trace of the named experiment (the client's <c>traces.json</c> upload).</summary>
    public async Task SaveSpansAsync(string experimentMlflowId, string? traceId, string json, CancellationToken ct)
    {
        var (details, experiment) = await GetAsync(traceId, PermissionLevel.Write, ct);
        RequireIn(experiment, experimentMlflowId, details.Info.TraceId);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("spans", out var spans)
                && spans.ValueKind == JsonValueKind.Array && spans.GetArrayLength() > MaxSpans)
            {
                throw new ValidationException("traces.json", $"A trace has at most {MaxSpans} spans; this one has {spans.GetArrayLength()}.");
            }
        }
        catch (JsonException e)
        {
            throw new ValidationException("traces.json", $"The trace data is not JSON: {e.Message}");
        }

        await store.SaveSpansAsync(details.Info.TraceId, json, time.GetUtcNow(), ct);
    }

    /// <summary>The spans document of a trace, or null when none was uploaded.</summary>
    public async Task<string?> GetSpansAsync(string? experimentMlflowId, string? traceId, CancellationToken ct)
    {
        var (details, experiment) = await GetAsync(traceId, PermissionLevel.Read, ct);
        if (experimentMlflowId is not null)
        {
            RequireIn(experiment, experimentMlflowId, details.Info.TraceId);
        }

        return await store.FindSpansAsync(details.Info.TraceId, ct);
    }

    /// <summary>Whether an experiment is a user's private system experiment of platform traces.</summary>
    public async Task<bool> IsPrivateSystemExperimentAsync(Experiment experiment, CancellationToken ct) =>
        (await tracking.ListExperimentTagsAsync([experiment.Id], ct)).Any(t => t.Key == SystemTag && t.Value == SystemTagValue);

    /// <summary>A stored time (ms since 1970) as a date, clamped to what a date can hold, so display never throws.</summary>
    public static DateTimeOffset Time(long millis) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(millis, 0, MaxTimeMillis));

    public static string NewTraceId() => "tr-" + Guid.NewGuid().ToString("N");

    // ---- internals ----

    private async Task<(TraceDetails, Experiment)> GetAsync(string? traceId, PermissionLevel level, CancellationToken ct)
    {
        var id = Required(traceId, "trace_id");
        var details = await store.FindAsync(id, ct) ?? throw new NotFoundException("Trace", id);
        try
        {
            var (experiment, _) = await experiments.GetExperimentAsync(details.Info.ExperimentId, ct);
            await RequireAsync(experiment, level, ct);
            return (details, experiment);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("Trace", id);
        }
    }

    private async Task RequireAsync(Experiment experiment, PermissionLevel required, CancellationToken ct)
    {
        var level = await experiments.LevelAsync(experiment, ct);
        if (level is not null && await IsPrivateSystemExperimentAsync(experiment, ct) && (await access.RequireContextAsync(ct)).UserId != experiment.OwnerId)
        {
            level = null; // chat prompts are private to their author, even from admins and project members
        }

        await access.RequireFoundLevelAsync(SecurableTypes.Experiment, experiment.Id, level, required, ct);
    }

    private static void RequireIn(Experiment experiment, string experimentMlflowId, string traceId)
    {
        if (experiment.MlflowId != experimentMlflowId)
        {
            throw new NotFoundException("Trace", traceId);
        }
    }

    private static TraceQuery Query(IReadOnlyCollection<Guid> experimentIds, string? filter, IEnumerable<string>? orderBy, int offset, int? limit) =>
        new(experimentIds, TraceFilter.Parse(filter), TraceFilter.ParseOrderBy(orderBy), Math.Max(0, offset), Math.Clamp(limit ?? DefaultSearchResults, 1, MaxSearchResults));

    /// <summary>Fills the columns that come from tags and metadata: the name, the source run, the token usage.</summary>
    internal static void Derive(TraceInfo info, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> metadata)
    {
        info.Name = Limit(tags.GetValueOrDefault(TraceNameTag), 250) ?? info.Name;
        info.RunId = Limit(metadata.GetValueOrDefault(SourceRunKey), 64) ?? info.RunId;
        if (metadata.GetValueOrDefault(TokenUsageKey) is { } usage)
        {
            try
            {
                using var doc = JsonDocument.Parse(usage);
                info.InputTokens = Number(doc.RootElement, "input_tokens");
                info.OutputTokens = Number(doc.RootElement, "output_tokens");
                info.TotalTokens = Number(doc.RootElement, "total_tokens") ?? (info.InputTokens + info.OutputTokens);
            }
            catch (JsonException)
            {
                // Not MLflow's token usage document: the columns stay empty; the metadata keeps the text.
            }
        }
    }

    private static long? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : null;

    private static Dictionary<string, string> Valid(IReadOnlyDictionary<string, string> values, string what)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (string.IsNullOrEmpty(key) || key.Length > TrackingLimits.MaxKeyLength)
            {
                throw new ValidationException(what, $"A key of {what} has 1 to {TrackingLimits.MaxKeyLength} characters.");
            }

            result[key] = TrackingLimits.ValidValue(value, MaxValueLength, what, key);
        }

        return result;
    }

    private static void ValidTime(long millis, string field)
    {
        if (millis is < 0 or > MaxTimeMillis)
        {
            throw new ValidationException(field, $"Invalid value {millis} for parameter '{field}': 0 to {MaxTimeMillis} milliseconds.");
        }
    }

    private static string ValidTraceId(string? id) =>
        id is not null && TraceIdPattern().IsMatch(id) ? id : throw new ValidationException("trace_id", $"Invalid trace id '{id}': 1 to 64 letters, digits, '-', '_' or '.'.");

    private static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new ValidationException(name, $"Missing value for required parameter '{name}'.") : value;

    internal static string? Limit(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TraceIdPattern();
}
