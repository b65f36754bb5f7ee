using AiPlatform.Core.Jobs;

namespace AiPlatform.Web.Features.Jobs;

/// <summary>A job as the API returns it; <see cref="TitleKey"/> and <see cref="TitleArguments"/> name its title in any language.</summary>
public sealed record JobSummary(
    Guid Id,
    string Kind,
    string? Title,
    string? TitleKey,
    IReadOnlyList<string>? TitleArguments,
    string? SubjectType,
    string? SubjectId,
    JobStatus Status,
    double Progress,
    string? ProgressMessage,
    string? Error,
    string? CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    bool CancelRequested,
    int Attempts)
{
    public static JobSummary From(JobRecord j) => new(
        j.Id, j.Kind, j.Title, JobText.FromStored(j.TitleKey, j.TitleArguments)?.Key, JobText.FromStored(j.TitleKey, j.TitleArguments)?.Arguments, j.SubjectType, j.SubjectId, j.Status, j.Progress, j.ProgressMessage, j.Error,
        j.CreatedBy, j.CreatedAt, j.StartedAt, j.FinishedAt, j.CancelRequested, j.Attempts);
}
