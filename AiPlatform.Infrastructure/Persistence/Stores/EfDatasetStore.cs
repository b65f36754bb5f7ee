using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfDatasetStore(IDbContextFactory<PlatformDbContext> contexts) : IDatasetStore
{
    public async Task<PagedResult<Dataset>> ListReadableAsync(AccessContext context, string? search, string? tag, PageRequest page, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var datasets = db.Datasets.AsNoTracking().Readable(db, context, SecurableTypes.Dataset);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            datasets = datasets.Where(d => d.Name.ToLower().Contains(term) || (d.Description != null && d.Description.ToLower().Contains(term)));
        }

        if (!string.IsNullOrWhiteSpace(tag))
        {
            var marker = "," + tag.Trim().ToLowerInvariant() + ",";
            datasets = datasets.Where(d => ((string)(object)d.Tags).Contains(marker));
        }

        var total = await datasets.CountAsync(ct);
        var items = await datasets.OrderBy(d => d.Name).ThenBy(d => d.Id).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new PagedResult<Dataset>(items, total);
    }

    public async Task<Dataset?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct);
    }

    public async Task<bool> NameTakenAsync(Guid ownerId, string name, Guid? except, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var lower = name.ToLower();
        return await db.Datasets.AnyAsync(d => d.OwnerId == ownerId && d.Name.ToLower() == lower && d.Id != except, ct);
    }

    public async Task AddAsync(Dataset dataset, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Datasets.Add(dataset);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateAsync(Dataset dataset, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Datasets.Update(dataset);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<string>> DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var versions = await db.DatasetVersions.Where(v => v.DatasetId == id).Select(v => new { v.ObjectKey, v.ColumnarKey }).ToListAsync(ct);
        var keys = versions.SelectMany(v => new[] { v.ObjectKey, v.ColumnarKey }).OfType<string>().ToList();
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.Dataset && g.ObjectId == id).ToListAsync(ct));
        await db.DatasetProfiles.Where(p => p.DatasetId == id).ExecuteDeleteAsync(ct);
        await db.DatasetVersions.Where(v => v.DatasetId == id).ExecuteDeleteAsync(ct);
        await db.Datasets.Where(d => d.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return keys;
    }

    public async Task<IReadOnlyList<DatasetVersion>> ListVersionsAsync(Guid datasetId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DatasetVersions.AsNoTracking().Where(v => v.DatasetId == datasetId).OrderByDescending(v => v.Number).ToListAsync(ct);
    }

    public async Task<DatasetVersion?> FindVersionAsync(Guid datasetId, Guid versionId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DatasetVersions.AsNoTracking().FirstOrDefaultAsync(v => v.DatasetId == datasetId && v.Id == versionId, ct);
    }

    public async Task<DatasetVersion?> FindVersionByHashAsync(Guid datasetId, string contentHash, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DatasetVersions.AsNoTracking().FirstOrDefaultAsync(v => v.DatasetId == datasetId && v.ContentHash == contentHash, ct);
    }

    public async Task<IReadOnlyList<DatasetVersion>> FindVersionsMentioningAsync(string text, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DatasetVersions.AsNoTracking().Where(v => v.SourceDetail != null && v.SourceDetail.Contains(text)).OrderBy(v => v.CreatedAt).Take(200).ToListAsync(ct);
    }

    public async Task<DatasetProfile?> FindProfileAsync(Guid versionId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DatasetProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.VersionId == versionId, ct);
    }

    public async Task SaveProfileAsync(DatasetProfile profile, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.DatasetProfiles.Where(p => p.VersionId == profile.VersionId).ExecuteDeleteAsync(ct);
        db.DatasetProfiles.Add(profile);
        await db.SaveChangesAsync(ct);
    }

    public async Task<DatasetVersion> AddVersionAsync(DatasetVersion version, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var dataset = await db.Datasets.FirstAsync(d => d.Id == version.DatasetId, ct);
        version.Number = (await db.DatasetVersions.Where(v => v.DatasetId == version.DatasetId).MaxAsync(v => (int?)v.Number, ct) ?? 0) + 1;
        dataset.VersionCount = version.Number;
        dataset.UpdatedAt = version.CreatedAt;
        db.DatasetVersions.Add(version);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return version;
    }
}
