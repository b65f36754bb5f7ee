using System.Text.Json;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Jobs;

/// <summary>Starting, listing, inspecting and cancelling jobs: what pages and endpoints call.</summary>
public sealed class JobService(
    IJobStore store,
    IJobDispatcher dispatcher,
    JobHandlerRegistry handlers,
    JobCancellationRegistry cancellations,
    TimeProvider time)
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public const int MaxLogPage = 1000;

    /// <summary>Kinds that a user may start directly.</summary>
    public IReadOnlyList<string> UserStartableKinds =>
        handlers.All.Where(h => h.UserStartable).Select(h => h.Kind).Order(StringComparer.Ordinal).ToList();

    /// <summary>Starts a job on behalf of a user; only user-startable kinds are accepted.</summary>
    public Task<JobRecord> StartAsync(JobRequest request, string? user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Kind))
        {
            throw new ValidationException("kind", "A job kind is required.");
        }

        if (handlers.Find(request.Kind) is not { UserStartable: true })
        {
            throw new ValidationException("kind", $"'{request.Kind}' is not a job kind that can be started here. Known kinds: {string.Join(", ", UserStartableKinds)}.");
        }

        return EnqueueAsync(request, user, ct);
    }

    /// <summary>Queues a job of any registered kind; used by platform services.</summary>
    public async Task<JobRecord> EnqueueAsync(JobRequest request, string? user, CancellationToken ct)
    {
        if (handlers.Find(request.Kind) is null)
        {
            throw new ValidationException("kind", $"Unknown job kind '{request.Kind}'.");
        }

        if (request.Title is { Length: > 200 })
        {
            throw new ValidationException("title", "The title may have at most 200 characters.");
        }

        var job = new JobRecord
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            Kind = request.Kind,
            Title = string.IsNullOrWhiteSpace(request.Title) ? null : request.Title.Trim(),
            SubjectType = request.SubjectType,
            SubjectId = request.SubjectId,
            ParametersJson = request.Parameters is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } p ? p.GetRawText() : null,
            Status = JobStatus.Queued,
            CreatedBy = user,
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(job, ct);
        await store.AppendLogAsync(job.Id, JobLogLevel.Info, "Queued.", job.CreatedAt, ct);
        dispatcher.Dispatch(job.Id);
        return job;
    }

    public async Task<JobRecord> GetAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) ?? throw new NotFoundException("Job", id);

    public Task<PagedResult<JobRecord>> ListAsync(JobQuery query, CancellationToken ct) => store.ListAsync(query, ct);

    public async Task<IReadOnlyList<JobLogEntry>> GetLogAsync(Guid id, long afterId, int max, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.GetLogAsync(id, afterId, Math.Clamp(max, 1, MaxLogPage), ct);
    }

    /// <summary>Cancels a queued job at once and asks a running one to stop; an ended job cannot be cancelled.</summary>
    public async Task<JobRecord> CancelAsync(Guid id, string? user, CancellationToken ct)
    {
        var status = await store.RequestCancelAsync(id, time.GetUtcNow(), ct) ?? throw new NotFoundException("Job", id);
        if (status.IsTerminal() && status != JobStatus.Cancelled)
        {
            throw new ConflictException($"The job has already ended ({status}).");
        }

        await store.AppendLogAsync(id, JobLogLevel.Warning, $"Cancellation requested by {user ?? "system"}.", time.GetUtcNow(), ct);
        cancellations.TryCancel(id);
        return await GetAsync(id, ct);
    }
}
