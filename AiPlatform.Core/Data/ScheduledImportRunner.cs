using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Jobs;

namespace AiPlatform.Core.Data;

/// <summary>The executor's side of import schedules: each tick queues an import with its creator's rights; at start every schedule is registered.</summary>
public sealed class ScheduledImportRunner(IDataSourceStore store, DatasetService datasets, IRecurringScheduler scheduler, IAccessStore accessStore, JobService jobs)
{
    /// <summary>
    /// One tick of a schedule (called by the executor): queues an import with the rights of the schedule's creator,
    /// checked again now; a creator who lost access (or a deleted dataset or source) ends nothing but this run.
    /// </summary>
    public async Task<JobRecord?> RunScheduleAsync(Guid scheduleId, CancellationToken ct)
    {
        if (await store.FindScheduleAsync(scheduleId, ct) is not { } schedule)
        {
            scheduler.Remove(scheduleId);
            return null;
        }

        var context = await accessStore.LoadContextAsync(schedule.CreatedById, ct);
        var dataset = await datasets.FindForScheduleAsync(schedule.DatasetId, ct);
        var source = await store.FindAsync(schedule.SourceId, ct);
        if (context is null || dataset is null || source is null
            || !(context.SeesEverything || dataset.OwnerId == context.UserId || await accessStore.GetGrantedLevelAsync(context, SecurableTypes.Dataset, dataset.Id, ct) >= PermissionLevel.Write)
            || !(context.SeesEverything || source.OwnerId == context.UserId || await accessStore.GetGrantedLevelAsync(context, SecurableTypes.DataSource, source.Id, ct) >= PermissionLevel.Write))
        {
            return null;
        }

        var parameters = new ImportDatasetHandler.ImportParameters(source.Id, dataset.Id, schedule.Table, schedule.Query, $"Scheduled import ({schedule.Cron})");
        return await jobs.EnqueueAsync(
            new JobRequest(ImportDatasetHandler.JobKind, $"{source.Name} → {dataset.Name} (scheduled)", SecurableTypes.Dataset, dataset.Id.ToString(), JsonSerializer.SerializeToElement(parameters), JobText.Of("JobTitle.ScheduledImport", source.Name, dataset.Name)),
            schedule.CreatedBy,
            ct);
    }

    /// <summary>Registers every stored schedule with the executor (at start: in-memory executors forget them).</summary>
    public async Task RegisterSchedulesAsync(CancellationToken ct)
    {
        foreach (var schedule in await store.ListSchedulesAsync(null, ct))
        {
            scheduler.ScheduleImport(schedule.Id, schedule.Cron);
        }
    }
}
