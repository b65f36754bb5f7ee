namespace AiPlatform.Core.Jobs;

public enum JobLogLevel
{
    Info = 0,
    Warning = 1,
    Error = 2,
}
