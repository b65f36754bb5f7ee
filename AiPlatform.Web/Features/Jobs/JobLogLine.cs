using AiPlatform.Core.Jobs;

namespace AiPlatform.Web.Features.Jobs;

public sealed record JobLogLine(long Id, DateTimeOffset At, JobLogLevel Level, string Message)
{
    public static JobLogLine From(JobLogEntry e) => new(e.Id, e.At, e.Level, e.Message);
}
