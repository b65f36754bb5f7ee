namespace AiPlatform.Core.Data;

/// <summary>Registers recurring triggers with the job executor (Hangfire). An invalid cron expression is a validation error.</summary>
public interface IRecurringScheduler
{
    void ScheduleImport(Guid scheduleId, string cron);

    void Remove(Guid scheduleId);
}
