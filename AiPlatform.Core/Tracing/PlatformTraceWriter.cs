using System.Collections.Concurrent;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Tracing;

/// <summary>
/// Writes the platform's own traces (gateway calls, chat answers, later app nodes) after the answer, in the background:
/// a failure is logged, never thrown at the user. Each user's traces go to their own system experiment
/// <c>LLM traces (user)</c> (tagged <see cref="TraceService.SystemTag"/>), made on first use in their Default project;
/// <see cref="TraceService"/> lets only that user read it, so nobody sees another user's prompts through traces.
/// </summary>
public sealed class PlatformTraceWriter : IAsyncDisposable
{
    /// <summary>The most traces waiting to be written; more are dropped (logged) rather than slow down the answers.</summary>
    public const int MaxPending = 4096;

    /// <summary>The most characters of spans waiting to be written (about 128 MB): large traces fill the queue sooner.</summary>
    public const long MaxPendingChars = 64L * 1024 * 1024;

    private const int MaxBatch = 200;
    private readonly ConcurrentDictionary<Guid, Guid> _experiments = new();
    private readonly SemaphoreSlim _resolve = new(1, 1);
    private readonly ITrackingStore tracking;
    private readonly IProjectStore projects;
    private readonly ITraceStore traces;
    private readonly TimeProvider time;
    private readonly ILogger<PlatformTraceWriter> logger;
    private readonly BatchWriter<Pending> _writer;
    private long _dropped;
    private long _pendingChars;
    private long _lastDropWarning;

    public PlatformTraceWriter(ITrackingStore tracking, IProjectStore projects, ITraceStore traces, TimeProvider time, ILogger<PlatformTraceWriter> logger)
    {
        this.tracking = tracking;
        this.projects = projects;
        this.traces = traces;
        this.time = time;
        this.logger = logger;
        _writer = new BatchWriter<Pending>(MaxPending, MaxBatch, WriteBatchAsync, logger);
    }

    /// <summary>The name of a user's system experiment of platform traces.</summary>
    public static string ExperimentName(string userName) => $"LLM traces ({userName})";

    /// <summary>Queues the trace for writing (with others, in one transaction) and returns at once; drops it (logged) when too many are waiting.</summary>
    public void Submit(Guid ownerId, string ownerName, string source, TraceBuilder trace)
    {
        if (trace.EndedAt is null)
        {
            trace.End(null);
        }

        var spans = trace.ToSpansJson();
        if (Interlocked.Add(ref _pendingChars, spans.Length) <= MaxPendingChars && _writer.TryAdd(new Pending(ownerId, ownerName, source, trace, spans)))
        {
            return;
        }

        Interlocked.Add(ref _pendingChars, -spans.Length);

        var dropped = Interlocked.Increment(ref _dropped);
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastDropWarning);
        if ((last == 0 || time.GetElapsedTime(last, now) > TimeSpan.FromSeconds(10)) && Interlocked.CompareExchange(ref _lastDropWarning, now, last) == last)
        {
            logger.LogWarning("Dropped the {Source} trace {TraceId}: the queue of traces to write is full ({Max} traces or {MaxChars} characters of spans; {Dropped} dropped since start)", source, trace.TraceId, MaxPending, MaxPendingChars, dropped);
        }
    }

    /// <summary>Writes the trace now (what <see cref="Submit"/> does in the background, in batches).</summary>
    public async Task WriteAsync(Guid ownerId, string ownerName, string source, TraceBuilder trace, CancellationToken ct)
    {
        if (trace.EndedAt is null)
        {
            trace.End(null);
        }

        await traces.AddTracesAsync([Prepare(await SystemExperimentAsync(ownerId, ownerName, ct), ownerId, ownerName, source, trace, trace.ToSpansJson())], ct);
    }

    /// <summary>Writes what was queued when the platform stops.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    private async Task WriteBatchAsync(IReadOnlyList<Pending> batch)
    {
        try
        {
            await WriteQueuedAsync(batch);
        }
        finally
        {
            Interlocked.Add(ref _pendingChars, -batch.Sum(p => (long)p.SpansJson.Length));
        }
    }

    private async Task WriteQueuedAsync(IReadOnlyList<Pending> batch)
    {
        var ready = new List<NewTrace>(batch.Count);
        foreach (var owner in batch.GroupBy(p => p.OwnerId))
        {
            Guid experimentId;
            try
            {
                experimentId = await SystemExperimentAsync(owner.Key, owner.First().OwnerName, CancellationToken.None);
            }
            catch (Exception e)
            {
                _experiments.TryRemove(owner.Key, out _);
                logger.LogWarning(e, "Could not write {Count} platform traces of {Owner}", owner.Count(), owner.First().OwnerName);
                continue;
            }

            ready.AddRange(owner.Select(p => Prepare(experimentId, p.OwnerId, p.OwnerName, p.Source, p.Trace, p.SpansJson)));
        }

        if (ready.Count == 0)
        {
            return;
        }

        try
        {
            await traces.AddTracesAsync(ready, CancellationToken.None);
            return;
        }
        catch (Exception e) when (ready.Count > 1)
        {
            logger.LogWarning(e, "Could not write {Count} platform traces at once; writing them one by one", ready.Count);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not write the {Source} trace {TraceId}", ready[0].Info.Source, ready[0].Info.TraceId);
            return;
        }

        foreach (var one in ready)
        {
            try
            {
                await traces.AddTracesAsync([one], CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not write the {Source} trace {TraceId}", one.Info.Source, one.Info.TraceId);
            }
        }
    }

    /// <summary>The rows of an ended trace in the owner's system experiment.</summary>
    private NewTrace Prepare(Guid experimentId, Guid ownerId, string ownerName, string source, TraceBuilder trace, string spansJson)
    {
        var tags = new Dictionary<string, string>(trace.Tags, StringComparer.Ordinal) { [TraceService.TraceNameTag] = trace.Root.Name, ["aiplatform.source"] = source };
        var metadata = new Dictionary<string, string>(trace.Metadata, StringComparer.Ordinal) { ["mlflow.trace_schema.version"] = "3", ["mlflow.user"] = ownerName };
        if (trace.TokenUsage is { } usage)
        {
            metadata[TraceService.TokenUsageKey] = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, long>
            {
                ["input_tokens"] = usage.Input,
                ["output_tokens"] = usage.Output,
                ["total_tokens"] = usage.Input + usage.Output,
            });
        }

        var now = time.GetUtcNow();
        var info = new TraceInfo
        {
            TraceId = trace.TraceId,
            ExperimentId = experimentId,
            RequestPreview = trace.RequestPreview,
            ResponsePreview = trace.ResponsePreview,
            State = trace.State,
            RequestTime = trace.StartedAt.ToUnixTimeMilliseconds(),
            ExecutionDuration = (long)(trace.EndedAt!.Value - trace.StartedAt).TotalMilliseconds,
            Source = source,
            CreatedBy = ownerId,
            CreatedAt = now,
        };
        TraceService.Derive(info, tags, metadata);
        return new NewTrace(info, tags, metadata, spansJson, now);
    }

    private sealed record Pending(Guid OwnerId, string OwnerName, string Source, TraceBuilder Trace, string SpansJson);

    private async Task<Guid> SystemExperimentAsync(Guid ownerId, string ownerName, CancellationToken ct)
    {
        if (_experiments.TryGetValue(ownerId, out var cached))
        {
            // The mark is what keeps the experiment private: write there only while it still carries it (users cannot
            // change it, see ExperimentService; this guards against anything else that does). Otherwise look again.
            if ((await tracking.ListExperimentTagsAsync([cached], ct)).Any(t => t.Key == TraceService.SystemTag && t.Value == TraceService.SystemTagValue))
            {
                return cached;
            }

            _experiments.TryRemove(ownerId, out _);
        }

        await _resolve.WaitAsync(ct);
        try
        {
            var name = ExperimentName(ownerName);
            var experiment = await tracking.FindExperimentByNameAsync(ownerId, name, ct) ?? await CreateExperimentAsync(ownerId, ownerName, name, ct);
            if (!(await tracking.ListExperimentTagsAsync([experiment.Id], ct)).Any(t => t.Key == TraceService.SystemTag && t.Value == TraceService.SystemTagValue))
            {
                // The user made an experiment of this name: it becomes private like the one the platform makes.
                await tracking.SetExperimentTagAsync(new ExperimentTag { ExperimentId = experiment.Id, Key = TraceService.SystemTag, Value = TraceService.SystemTagValue }, time.GetUtcNow(), ct);
            }

            _experiments[ownerId] = experiment.Id;
            return experiment.Id;
        }
        finally
        {
            _resolve.Release();
        }
    }

    private async Task<Experiment> CreateExperimentAsync(Guid ownerId, string ownerName, string name, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var project = await DefaultProjectAsync(ownerId, ownerName, ct);
        var experiment = new Experiment { Id = Guid.CreateVersion7(now), Name = name, ProjectId = project.Id, OwnerId = ownerId, CreatedAt = now, UpdatedAt = now };
        var tags = new List<ExperimentTag> { new() { ExperimentId = experiment.Id, Key = TraceService.SystemTag, Value = TraceService.SystemTagValue } };
        await tracking.AddExperimentAsync(experiment, tags, Audit("experiment.create", SecurableTypes.Experiment, experiment.Id, ownerName, now), ct);
        return experiment;
    }

    private async Task<Project> DefaultProjectAsync(Guid ownerId, string ownerName, CancellationToken ct)
    {
        var context = new AccessContext(ownerId, ownerName, new HashSet<Guid>(), new HashSet<string>());
        var mine = await projects.ListReadableAsync(context, ExperimentService.DefaultProjectName, new PageRequest(0, PageRequest.DefaultMaxPageSize), ct);
        if (mine.Items.FirstOrDefault(p => p.OwnerId == ownerId && p.Name == ExperimentService.DefaultProjectName) is { } own)
        {
            return own;
        }

        var now = time.GetUtcNow();
        var project = new Project { Id = Guid.CreateVersion7(now), Name = ExperimentService.DefaultProjectName, OwnerId = ownerId, CreatedAt = now, UpdatedAt = now };
        await projects.AddAsync(project, Audit("project.create", SecurableTypes.Project, project.Id, ownerName, now), ct);
        return project;
    }

    private static AuditEntry Audit(string action, string type, Guid id, string ownerName, DateTimeOffset at) => new()
    {
        At = at,
        ActorName = "system",
        Action = action,
        ObjectType = type,
        ObjectId = id.ToString(),
        Summary = System.Text.Json.JsonSerializer.Serialize(new { reason = "platform traces", owner = ownerName }),
    };
}
