using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Serving;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfEndpointStore(IDbContextFactory<PlatformDbContext> contexts) : IEndpointStore
{
    public async Task<(IReadOnlyList<ServingEndpoint> Items, int Total)> ListReadableAsync(AccessContext context, string? search, int offset, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var endpoints = db.ServingEndpoints.AsNoTracking().Readable(db, context, SecurableTypes.Endpoint);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            endpoints = endpoints.Where(e => e.Name.Contains(term));
        }

        return (await endpoints.OrderBy(e => e.Name).Skip(offset).Take(limit).ToListAsync(ct), await endpoints.CountAsync(ct));
    }

    public async Task<IReadOnlyList<ServingEndpoint>> ListAllAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ServingEndpoints.AsNoTracking().OrderBy(e => e.Name).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<ServingEndpoint>> ListByModelAsync(Guid modelId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ServingEndpoints.AsNoTracking().Where(e => e.ModelId == modelId).OrderBy(e => e.Name).ToListAsync(ct);
    }

    public async Task<ServingEndpoint?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ServingEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
    }

    public async Task<ServingEndpoint?> FindByNameAsync(string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ServingEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Name == name, ct);
    }

    public async Task AddAsync(ServingEndpoint endpoint, EndpointEvent first, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ServingEndpoints.Add(endpoint);
        db.EndpointEvents.Add(first);
        db.AuditEntries.Add(audit);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new AlreadyExistsException($"An endpoint named '{endpoint.Name}' exists already.");
        }
    }

    public async Task UpdateAsync(ServingEndpoint endpoint, EndpointEvent? change, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ServingEndpoints.Update(endpoint);
        if (change is not null)
        {
            db.EndpointEvents.Add(change);
        }

        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new NotFoundException("Endpoint", endpoint.Name);
        }
    }

    public async Task<IReadOnlyList<EndpointEvent>> ListEventsAsync(Guid endpointId, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.EndpointEvents.AsNoTracking().Where(e => e.EndpointId == endpointId).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct);
    }

    public async Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.EndpointEvents.Where(e => e.EndpointId == id).ExecuteDeleteAsync(ct);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.Endpoint && g.ObjectId == id).ToListAsync(ct));
        await db.ServingEndpoints.Where(e => e.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
