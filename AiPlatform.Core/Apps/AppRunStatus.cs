namespace AiPlatform.Core.Apps;

public enum AppRunStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
