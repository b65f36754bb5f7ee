using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// Starting, listing, inspecting and cancelling jobs: what pages and endpoints call. Users see and cancel the
/// jobs they started; holders of <c>jobs.manage</c> see and cancel all.
/// </summary>
public sealed class JobService(
    IJobStore store,
    IJobDispatcher dispatcher,
    JobHandlerRegistry handlers,
    JobCancellationRegistry cancellations,
    AccessService access,
    AuditRecorder audit,
    IAuditStore auditStore,
    TimeProvider time)
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public const int MaxLogPage = 1000;

    /// <summary>Kinds that the caller may start directly.</summary>
    public async Task<IReadOnlyList<string>> StartableKindsAsync(CancellationToken ct)
    {
        var context = await access.FindContextAsync(ct);
        return handlers.All.Where(h => h.StartCapability is { } c && context?.Has(c) == true).Select(h => h.Kind).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Starts a job on behalf of the caller, who needs the kind's start capability.</summary>
    public async Task<JobRecord> StartAsync(JobRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Kind))
        {
            throw new ValidationException("kind", "A job kind is required.");
        }

        var context = await access.RequireContextAsync(ct);
        if (handlers.Find(request.Kind) is not { StartCapability: { } capability })
        {
            throw new ValidationException("kind", $"'{request.Kind}' is not a job kind that can be started here. Known kinds: {string.Join(", ", await StartableKindsAsync(ct))}.");
        }

        await access.RequireCapabilityAsync(capability, ct);
        var id = Guid.CreateVersion7(time.GetUtcNow());
        return await EnqueueWithIdAsync(id, request, context.UserName, await audit.EntryAsync("job.start", "job", id, new { request.Kind, request.Title }, ct), ct);
    }

    /// <summary>Queues a job of any registered kind; used by platform services, which check access themselves.</summary>
    public Task<JobRecord> EnqueueAsync(JobRequest request, string? user, CancellationToken ct) =>
        EnqueueWithIdAsync(Guid.CreateVersion7(time.GetUtcNow()), request, user, null, ct);

    /// <summary>Queues a job and saves <paramref name="audit"/> with it, for a service whose user asked for the work.</summary>
    public Task<JobRecord> EnqueueAsync(JobRequest request, string? user, AuditEntry audit, CancellationToken ct) =>
        EnqueueWithIdAsync(Guid.CreateVersion7(time.GetUtcNow()), request, user, audit, ct);

    /// <summary>Queues a job under an id the caller chose (and may have recorded already).</summary>
    internal async Task<JobRecord> EnqueueWithIdAsync(Guid id, JobRequest request, string? user, AuditEntry? entry, CancellationToken ct)
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
            Id = id,
            Kind = request.Kind,
            Title = string.IsNullOrWhiteSpace(request.Title) ? null : request.Title.Trim(),
            TitleKey = request.TitleText?.Key,
            TitleArguments = request.TitleText?.ArgumentsJson,
            SubjectType = request.SubjectType,
            SubjectId = request.SubjectId,
            ParametersJson = request.Parameters is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } p ? p.GetRawText() : null,
            Status = JobStatus.Queued,
            CreatedBy = user,
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(job, entry, ct);
        await store.AppendLogAsync(job.Id, JobLogLevel.Info, "Queued.", JobText.Of("JobLog.Queued"), job.CreatedAt, ct);
        dispatcher.Dispatch(job.Id);
        return job;
    }

    /// <summary>A job the caller may see; others do not exist for them.</summary>
    public async Task<JobRecord> GetAsync(Guid id, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var job = await store.FindAsync(id, ct);
        return job is not null && (context.Has(Capabilities.JobsManage) || job.CreatedBy == context.UserName) ? job : throw new NotFoundException("Job", id);
    }

    public async Task<PagedResult<JobRecord>> ListAsync(JobQuery query, CancellationToken ct) =>
        await store.ListAsync(query with { CreatedBy = await VisibleCreatorAsync(ct) }, ct);

    /// <summary>Null when the caller sees every job, else the caller's user name.</summary>
    public async Task<string?> VisibleCreatorAsync(CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        return context.Has(Capabilities.JobsManage) ? null : context.UserName;
    }

    public async Task<IReadOnlyList<JobLogEntry>> GetLogAsync(Guid id, long afterId, int max, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.GetLogAsync(id, afterId, Math.Clamp(max, 1, MaxLogPage), ct);
    }

    /// <summary>Asks a job started by platform work to stop; the caller (e.g. the training service) checked the rights.</summary>
    internal async Task RequestCancelForWorkAsync(Guid id, string requestedBy, AuditEntry? audit, CancellationToken ct)
    {
        var status = await store.RequestCancelAsync(id, time.GetUtcNow(), audit, ct);
        if (status is { } s && (!s.IsTerminal() || s == JobStatus.Cancelled))
        {
            await store.AppendLogAsync(id, JobLogLevel.Warning, $"Cancellation requested by {requestedBy}.", JobText.Of("JobLog.CancelRequested", requestedBy), time.GetUtcNow(), ct);
            cancellations.TryCancel(id);
        }
    }

    /// <summary>Cancels a queued job at once and asks a running one to stop; an ended job cannot be cancelled.</summary>
    public async Task<JobRecord> CancelAsync(Guid id, CancellationToken ct)
    {
        var job = await GetAsync(id, ct);
        var context = await access.RequireContextAsync(ct);
        if (!context.Has(Capabilities.JobsManage) && !context.Has(Capabilities.JobsStart))
        {
            throw new ForbiddenException("Cancelling a job needs the capability 'jobs.start'.");
        }

        var status = await store.RequestCancelAsync(id, time.GetUtcNow(), null, ct) ?? throw new NotFoundException("Job", id);
        if (status.IsTerminal() && status != JobStatus.Cancelled)
        {
            throw new ConflictException($"The job has already ended ({status}).");
        }

        if (job.Status != JobStatus.Cancelled)
        {
            await store.AppendLogAsync(id, JobLogLevel.Warning, $"Cancellation requested by {context.UserName}.", JobText.Of("JobLog.CancelRequested", context.UserName), time.GetUtcNow(), ct);

            // The request is one atomic update in the job store; the entry follows it (a cancelled job asked again changes nothing).
            await auditStore.AddAsync(await audit.EntryAsync("job.cancel", "job", id, new { job.Kind, job.Title }, ct), ct);
        }

        cancellations.TryCancel(id);
        return await GetAsync(id, ct);
    }
}
