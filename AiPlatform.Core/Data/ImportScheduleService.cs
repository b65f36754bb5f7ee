using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Data;

/// <summary>The recurring imports of a data source: list, create, delete (each run is <see cref="ScheduledImportRunner"/>'s).</summary>
public sealed class ImportScheduleService(
    DataSourceService sources,
    DatasetService datasets,
    AccessService access,
    IDataSourceStore store,
    IRecurringScheduler scheduler,
    AuditRecorder audit,
    TimeProvider time)
{
    public async Task<IReadOnlyList<ScheduledImport>> ListSchedulesAsync(Guid id, CancellationToken ct)
    {
        await sources.GetAsync(id, ct);
        return await store.ListSchedulesAsync(id, ct);
    }

    /// <summary>
    /// Re-imports a table or query on a cron schedule (UTC); each run makes a version only when the content changed.
    /// A schedule changes the source's state (deleting one needs Write), so creating one needs Write on the source too.
    /// </summary>
    public async Task<ScheduledImport> ScheduleAsync(Guid id, Guid datasetId, string? table, string? query, string cron, CancellationToken ct)
    {
        var (source, _) = await sources.GetAsync(id, ct);
        await access.RequireLevelAsync(SecurableTypes.DataSource, id, source.OwnerId, PermissionLevel.Write, ct);
        var (dataset, _) = await datasets.GetAsync(datasetId, ct);
        await access.RequireLevelAsync(SecurableTypes.Dataset, datasetId, dataset.OwnerId, PermissionLevel.Write, ct);
        DataSourceService.RequireTarget(source.Kind, table, query);

        var context = await access.RequireContextAsync(ct);
        var schedule = new ScheduledImport
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            SourceId = source.Id,
            DatasetId = dataset.Id,
            Table = table?.Trim(),
            Query = query?.Trim(),
            Cron = (cron ?? string.Empty).Trim(),
            CreatedById = context.UserId,
            CreatedBy = context.UserName,
            CreatedAt = time.GetUtcNow(),
        };
        scheduler.ScheduleImport(schedule.Id, schedule.Cron);
        try
        {
            await store.AddScheduleAsync(schedule, await audit.EntryAsync("datasource.schedule.create", SecurableTypes.DataSource, id, new { dataset = dataset.Name, schedule.Table, schedule.Cron }, ct), ct);
        }
        catch
        {
            scheduler.Remove(schedule.Id);
            throw;
        }

        return schedule;
    }

    public async Task DeleteScheduleAsync(Guid id, Guid scheduleId, CancellationToken ct)
    {
        var (source, _) = await sources.GetAsync(id, ct);
        await access.RequireLevelAsync(SecurableTypes.DataSource, id, source.OwnerId, PermissionLevel.Write, ct);
        if (await store.FindScheduleAsync(scheduleId, ct) is not { } schedule || schedule.SourceId != id)
        {
            throw new NotFoundException("Schedule", scheduleId);
        }

        await store.DeleteScheduleAsync(scheduleId, await audit.EntryAsync("datasource.schedule.delete", SecurableTypes.DataSource, id, new { scheduleId }, ct), ct);
        scheduler.Remove(scheduleId);
    }
}
