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
public sealed class PlatformTraceWriter(ITrackingStore tracking, IProjectStore projects, ITraceStore traces, TimeProvider time, ILogger<PlatformTraceWriter> logger)
{
    private const int MaxPending = 256;
    private readonly ConcurrentDictionary<Guid, Guid> _experiments = new();
    private readonly SemaphoreSlim _resolve = new(1, 1);
    private int _pending;

    /// <summary>The name of a user's system experiment of platform traces.</summary>
    public static string ExperimentName(string userName) => $"LLM traces ({userName})";

    /// <summary>Queues the trace for writing and returns at once; drops it (logged) when too many writes are pending.</summary>
    public void Submit(Guid ownerId, string ownerName, string source, TraceBuilder trace)
    {
        if (Interlocked.Increment(ref _pending) > MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            logger.LogWarning("Dropped the {Source} trace {TraceId}: {Max} trace writes are pending", source, trace.TraceId, MaxPending);
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await WriteAsync(ownerId, ownerName, source, trace, CancellationToken.None);
            }
            catch (Exception e)
            {
                _experiments.TryRemove(ownerId, out _);
                logger.LogWarning(e, "Could not write the {Source} trace {TraceId}", source, trace.TraceId);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        });
    }

    /// <summary>Writes the trace now (what <see cref="Submit"/> runs in the background).</summary>
    public async Task WriteAsync(Guid ownerId, string ownerName, string source, TraceBuilder trace, CancellationToken ct)
    {
        if (trace.EndedAt is null)
        {
            trace.End(null);
        }

        var experimentId = await SystemExperimentAsync(ownerId, ownerName, ct);
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
            CreatedAt = time.GetUtcNow(),
        };
        TraceService.Derive(info, tags, metadata);
        await traces.SaveTraceAsync(info, tags, metadata, ct);
        await traces.SaveSpansAsync(info.TraceId, trace.ToSpansJson(), time.GetUtcNow(), ct);
    }

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
