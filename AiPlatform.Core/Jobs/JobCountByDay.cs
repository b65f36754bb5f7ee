namespace AiPlatform.Core.Jobs;

public sealed record JobCountByDay(DateOnly Day, JobStatus Status, int Count);
