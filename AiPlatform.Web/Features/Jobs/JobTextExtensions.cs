using AiPlatform.Web.Components.Shared;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Jobs;

/// <summary>Job titles and log lines in the reader's language, from the key and arguments stored with them.</summary>
public static class JobTextExtensions
{
    /// <summary>The title by key when the resources have it, else the stored title, else the kind's name.</summary>
    public static string JobTitle(this IStringLocalizer localizer, JobSummary job) =>
        Localized(localizer, job.TitleKey, job.TitleArguments) ?? job.Title ?? localizer.JobKind(job.Kind);

    /// <summary>The line by key when the resources have it, else its stored (English) text.</summary>
    public static string JobLogMessage(this IStringLocalizer localizer, JobLogLine line) =>
        Localized(localizer, line.MessageKey, line.MessageArguments) ?? line.Message;

    private static string? Localized(IStringLocalizer localizer, string? key, IReadOnlyList<string>? arguments) =>
        key is not null && localizer[key, [.. (arguments ?? []).Select(a => Argument(localizer, a))]] is { ResourceNotFound: false } text ? text.Value : null;

    // An enum argument (enum:TrainingTask.BinaryClassification) by its localized name, or its value's own name.
    private static object Argument(IStringLocalizer localizer, string argument)
    {
        if (!argument.StartsWith(AiPlatform.Core.Jobs.JobText.EnumPrefix, StringComparison.Ordinal))
        {
            return argument;
        }

        var name = argument[AiPlatform.Core.Jobs.JobText.EnumPrefix.Length..];
        var label = localizer[$"Enum.{name}"];
        return label.ResourceNotFound ? name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..] : label.Value;
    }
}
