using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using Hangfire;

namespace AiPlatform.Infrastructure.Jobs;

internal sealed class HangfireRecurringScheduler(IRecurringJobManager recurring) : IRecurringScheduler
{
    public void ScheduleImport(Guid scheduleId, string cron)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            throw new ValidationException("cron", "A cron expression is required, e.g. '0 2 * * *' for 02:00 UTC daily.");
        }

        try
        {
            recurring.AddOrUpdate<RunScheduledImport>(Id(scheduleId), j => j.RunAsync(scheduleId, CancellationToken.None), cron);
        }
        catch (ArgumentException ex)
        {
            throw new ValidationException("cron", $"'{cron}' is not a valid cron expression (five fields, e.g. '0 2 * * *'): {ex.Message}");
        }
    }

    public void Remove(Guid scheduleId) => recurring.RemoveIfExists(Id(scheduleId));

    private static string Id(Guid scheduleId) => $"import:{scheduleId:N}";
}
