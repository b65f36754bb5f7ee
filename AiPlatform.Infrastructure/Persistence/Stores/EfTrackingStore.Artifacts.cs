using AiPlatform.Core.Audit;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

// Dataset inputs and artifacts of runs.
internal sealed partial class EfTrackingStore
{
    public async Task AddInputsAsync(IReadOnlyList<RunInput> inputs, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runIds = inputs.Select(i => i.RunId).Distinct().ToList();
        var existing = await db.RunInputs.AsNoTracking().Where(i => runIds.Contains(i.RunId)).Select(i => new { i.RunId, i.Name, i.Digest, i.Context }).ToListAsync(ct);
        db.RunInputs.AddRange(inputs.Where(i => !existing.Any(e => e.RunId == i.RunId && e.Name == i.Name && e.Digest == i.Digest && e.Context == i.Context)));
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<(Run Run, Experiment Experiment, RunInput Input)>> ListRunsUsingDatasetVersionAsync(Guid datasetVersionId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await (from i in db.RunInputs
                          join r in db.Runs on i.RunId equals r.Id
                          join e in db.Experiments on r.ExperimentId equals e.Id
                          where i.DatasetVersionId == datasetVersionId && r.LifecycleStage == LifecycleStage.Active
                          orderby r.StartTime descending
                          select new { r, e, i }).AsNoTracking().Take(200).ToListAsync(ct);
        return rows.Select(x => (x.r, x.e, x.i)).ToList();
    }

    public async Task<IReadOnlyList<RunArtifact>> ListArtifactsAsync(Guid runId, string prefix, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var artifacts = db.RunArtifacts.AsNoTracking().Where(a => a.RunId == runId);
        if (prefix.Length > 0)
        {
            artifacts = artifacts.Where(a => a.Path.StartsWith(prefix));
        }

        return await artifacts.OrderBy(a => a.Path).ToListAsync(ct);
    }

    public async Task<RunArtifact?> FindArtifactAsync(Guid runId, string path, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RunArtifacts.AsNoTracking().FirstOrDefaultAsync(a => a.RunId == runId && a.Path == path, ct);
    }

    public async Task<RunArtifact?> UpsertArtifactAsync(RunArtifact artifact, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.RunArtifacts.FirstOrDefaultAsync(a => a.RunId == artifact.RunId && a.Path == artifact.Path, ct);
        RunArtifact? replaced = null;
        if (existing is null)
        {
            db.RunArtifacts.Add(artifact);
        }
        else
        {
            replaced = new RunArtifact { RunId = existing.RunId, Path = existing.Path, ObjectKey = existing.ObjectKey, Size = existing.Size };
            existing.ObjectKey = artifact.ObjectKey;
            existing.Size = artifact.Size;
            existing.ContentType = artifact.ContentType;
            existing.CreatedAt = artifact.CreatedAt;
        }

        await db.SaveChangesAsync(ct);
        return replaced;
    }

    public async Task<IReadOnlyList<RunArtifact>> DeleteArtifactsAsync(Guid runId, string path, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var folder = path + "/";
        var doomed = await db.RunArtifacts.Where(a => a.RunId == runId && (a.Path == path || a.Path.StartsWith(folder))).ToListAsync(ct);
        db.RunArtifacts.RemoveRange(doomed);
        if (doomed.Count > 0)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
        return doomed;
    }
}
