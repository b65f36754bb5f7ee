using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Training;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfTrainingStore(IDbContextFactory<PlatformDbContext> contexts) : ITrainingStore
{
    public async Task AddAsync(TrainingRun run, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.TrainingRuns.Add(run);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<TrainingRun?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.TrainingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
    }

    public async Task UpdateAsync(TrainingRun run, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.TrainingRuns.Update(run);
        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateAsync(TrainingRun run, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.TrainingRuns.Update(run);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<(IReadOnlyList<TrainingRun> Items, int Total)> ListReadableAsync(AccessContext context, TrainingQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiments = db.Experiments.AsNoTracking().ReadableExperiments(db, context).Select(e => e.Id);
        var runs = db.TrainingRuns.AsNoTracking().Where(r => experiments.Contains(r.ExperimentId));
        if (query.ProjectId is { } projectId)
        {
            runs = runs.Where(r => r.ProjectId == projectId);
        }

        if (query.ExperimentId is { } experimentId)
        {
            runs = runs.Where(r => r.ExperimentId == experimentId);
        }

        if (query.Status is { } status)
        {
            runs = runs.Where(r => r.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLower();
            runs = runs.Where(r => r.Name.ToLower().Contains(term) || r.CreatedBy.ToLower().Contains(term));
        }

        var total = await runs.CountAsync(ct);
        var items = await runs.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(ct);
        return (items, total);
    }

    public async Task<IReadOnlyList<TrainingRun>> ListQueuedAsync(TrainingBackendKind backend, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.TrainingRuns.AsNoTracking().Where(r => r.Backend == backend && r.Status == TrainingStatus.Queued)
            .OrderByDescending(r => r.Priority).ThenBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<TrainingRun>> ListActiveAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.TrainingRuns.AsNoTracking().Where(r => r.Status == TrainingStatus.Starting || r.Status == TrainingStatus.Running).ToListAsync(ct);
    }

    public async Task<bool> TryStartAsync(Guid id, Guid jobId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.TrainingRuns.Where(r => r.Id == id && r.Status == TrainingStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, TrainingStatus.Starting).SetProperty(r => r.JobId, jobId), ct) == 1;
    }

    public async Task AddStudyAsync(Core.Training.Hpo.Study study, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Studies.Add(study);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<Core.Training.Hpo.Study?> FindStudyAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
    }

    public async Task UpdateStudyAsync(Core.Training.Hpo.Study study, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Studies.Update(study);
        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateStudyAsync(Core.Training.Hpo.Study study, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Studies.Update(study);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<(IReadOnlyList<Core.Training.Hpo.Study> Items, int Total)> ListReadableStudiesAsync(AccessContext context, Guid? experimentId, int offset, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiments = db.Experiments.AsNoTracking().ReadableExperiments(db, context).Select(e => e.Id);
        var studies = db.Studies.AsNoTracking().Where(s => experiments.Contains(s.ExperimentId));
        if (experimentId is { } id)
        {
            studies = studies.Where(s => s.ExperimentId == id);
        }

        return (await studies.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Skip(offset).Take(limit).ToListAsync(ct), await studies.CountAsync(ct));
    }

    public async Task<IReadOnlyList<Core.Training.Hpo.Study>> ListRunningStudiesAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Studies.AsNoTracking().Where(s => s.Status == Core.Training.Hpo.StudyStatus.Running).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<TrainingRun>> ListTrialsAsync(Guid studyId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.TrainingRuns.AsNoTracking().Where(r => r.StudyId == studyId).OrderBy(r => r.TrialNumber).ToListAsync(ct);
    }
}
