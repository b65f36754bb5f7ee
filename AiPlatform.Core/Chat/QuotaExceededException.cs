namespace AiPlatform.Core.Chat;

/// <summary>The caller's daily tokens are used up; 429 with when they come back.</summary>
public sealed class QuotaExceededException(string message, DateTimeOffset resetsAt) : Common.PlatformException("quota-exceeded", message)
{
    public DateTimeOffset ResetsAt { get; } = resetsAt;
}
