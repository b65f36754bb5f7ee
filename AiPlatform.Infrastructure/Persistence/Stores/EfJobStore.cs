using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfJobStore(IDbContextFactory<PlatformDbContext> contexts) : IJobStore
{
    private static readonly JobStatus[] Unfinished = [JobStatus.Queued, JobStatus.Running];

    public async Task AddAsync(JobRecord job, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Jobs.Add(job);
        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<JobRecord?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
    }

    public async Task<PagedResult<JobRecord>> ListAsync(JobQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var jobs = db.Jobs.AsNoTracking();
        if (query.Status is { } status)
        {
            jobs = jobs.Where(j => j.Status == status);
        }

        if (query.CreatedBy is { } creator)
        {
            jobs = jobs.Where(j => j.CreatedBy == creator);
        }

        if (!string.IsNullOrWhiteSpace(query.Kind))
        {
            jobs = jobs.Where(j => j.Kind == query.Kind);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLower();
            jobs = jobs.Where(j => j.Kind.ToLower().Contains(term) || (j.Title != null && j.Title.ToLower().Contains(term)));
        }

        var page = query.Page ?? new PageRequest();
        var total = await jobs.CountAsync(ct);
        var items = await jobs.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new PagedResult<JobRecord>(items, total);
    }

    public async Task<bool> TryStartAsync(Guid id, JobNode node, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Queued && !j.CancelRequested)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Running)
                .SetProperty(j => j.StartedAt, now)
                .SetProperty(j => j.HeartbeatAt, now)
                .SetProperty(j => j.NodeId, node.Id)
                .SetProperty(j => j.Incarnation, (Guid?)node.Incarnation)
                .SetProperty(j => j.Progress, 0d)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1), ct) == 1;
    }

    public async Task ReportProgressAsync(Guid id, double? progress, string? message, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var running = db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running);
        if (progress is { } value)
        {
            var text = message is { Length: > 500 } ? message[..500] : message;
            await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatAt, now)
                .SetProperty(j => j.Progress, value)
                .SetProperty(j => j.ProgressMessage, text), ct);
        }
        else
        {
            await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatAt, now), ct);
        }
    }

    public async Task<bool> HeartbeatAsync(Guid id, Guid incarnation, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running && j.Incarnation == incarnation)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatAt, now), ct) == 1;
    }

    public async Task<bool> CompleteClaimAsync(Guid id, Guid incarnation, int attempt, JobStatus status, string? error, DateTimeOffset now, CancellationToken ct)
    {
        if (!status.IsTerminal())
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A job can only be completed with a terminal status.");
        }

        var text = error is { Length: > 4000 } ? error[..4000] : error;
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running && j.Incarnation == incarnation && j.Attempts == attempt)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, status)
                .SetProperty(j => j.Error, text)
                .SetProperty(j => j.FinishedAt, now), ct) == 1;
    }

    public async Task<JobSettlement> SettleInterruptedAsync(JobRecord seen, bool requeue, string error, DateTimeOffset? staleBefore, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var incarnation = seen.Incarnation;
        var same = db.Jobs.Where(j => j.Id == seen.Id && j.Status == JobStatus.Running && j.Incarnation == incarnation);
        if (staleBefore is { } before)
        {
            same = same.Where(j => j.HeartbeatAt == null || j.HeartbeatAt < before);
        }

        // The heartbeat of a re-queued job says when it was handed to the executor: the sweep hands it again if nobody takes it.
        if (requeue && await same.Where(j => !j.CancelRequested)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.HeartbeatAt, now), ct) == 1)
        {
            return JobSettlement.Requeued;
        }

        var text = error.Length > 4000 ? error[..4000] : error;
        return await same.ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Failed)
            .SetProperty(j => j.Error, text)
            .SetProperty(j => j.FinishedAt, now), ct) == 1 ? JobSettlement.Failed : JobSettlement.None;
    }

    public async Task<IReadOnlyList<JobRecord>> ListStaleAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking()
            .Where(j => (j.Status == JobStatus.Running && (j.HeartbeatAt == null || j.HeartbeatAt < before))
                || (j.Status == JobStatus.Queued && (j.HeartbeatAt < before || (j.HeartbeatAt == null && j.CreatedAt < before))))
            .OrderBy(j => j.CreatedAt)
            .Take(500)
            .ToListAsync(ct);
    }

    public async Task<bool> TryRedispatchAsync(Guid id, DateTimeOffset before, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Queued && (j.HeartbeatAt < before || (j.HeartbeatAt == null && j.CreatedAt < before)))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatAt, now), ct) == 1;
    }

    public async Task<JobStatus?> RequestCancelAsync(Guid id, DateTimeOffset now, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.FinishedAt, now), ct);
        await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        var status = await db.Jobs.Where(j => j.Id == id).Select(j => (JobStatus?)j.Status).FirstOrDefaultAsync(ct);
        if (audit is not null && status is not null)
        {
            db.AuditEntries.Add(audit);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return status;
    }

    public async Task<bool> IsCancelRequestedAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.AnyAsync(j => j.Id == id && j.CancelRequested, ct);
    }

    public async Task AppendLogAsync(Guid id, JobLogLevel level, string message, JobText? text, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var arguments = text?.ArgumentsJson;
        db.JobLogs.Add(new JobLogEntry
        {
            JobId = id,
            Level = level,
            Message = message.Length > 4000 ? message[..4000] : message,
            MessageKey = text?.Key,
            MessageArguments = arguments is { Length: > 4000 } ? null : arguments,
            At = at,
        });
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<JobLogEntry>> GetLogAsync(Guid id, long afterId, int max, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.JobLogs.AsNoTracking().Where(l => l.JobId == id && l.Id > afterId).OrderBy(l => l.Id).Take(max).ToListAsync(ct);
    }

    public async Task<IReadOnlyDictionary<JobStatus, int>> CountByStatusAsync(string? createdBy, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var counts = await db.Jobs.Where(j => createdBy == null || j.CreatedBy == createdBy).GroupBy(j => j.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        return Enum.GetValues<JobStatus>().ToDictionary(s => s, s => counts.FirstOrDefault(c => c.Status == s)?.Count ?? 0);
    }

    public async Task<IReadOnlyList<JobCountByDay>> CountByDayAsync(DateTimeOffset since, string? createdBy, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Jobs.AsNoTracking().Where(j => j.CreatedAt >= since && (createdBy == null || j.CreatedBy == createdBy)).Select(j => new { j.CreatedAt, j.Status }).ToListAsync(ct);
        return rows.GroupBy(r => (Day: DateOnly.FromDateTime(r.CreatedAt.UtcDateTime), r.Status))
            .Select(g => new JobCountByDay(g.Key.Day, g.Key.Status, g.Count()))
            .OrderBy(c => c.Day).ThenBy(c => c.Status)
            .ToList();
    }

    public async Task<IReadOnlyList<JobRecord>> ListUnfinishedAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().Where(j => Unfinished.Contains(j.Status)).OrderBy(j => j.CreatedAt).ToListAsync(ct);
    }
}
