using AiPlatform.Core.Jobs;

namespace AiPlatform.Web.Features.Jobs;

/// <summary>One log line; <see cref="MessageKey"/> and <see cref="MessageArguments"/> name it in any language (null for free text).</summary>
public sealed record JobLogLine(long Id, DateTimeOffset At, JobLogLevel Level, string Message, string? MessageKey = null, IReadOnlyList<string>? MessageArguments = null)
{
    public static JobLogLine From(JobLogEntry e) =>
        JobText.FromStored(e.MessageKey, e.MessageArguments) is { } text
            ? new(e.Id, e.At, e.Level, e.Message, text.Key, text.Arguments)
            : new(e.Id, e.At, e.Level, e.Message);
}
