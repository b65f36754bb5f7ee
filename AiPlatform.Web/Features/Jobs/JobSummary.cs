using AiPlatform.Core.Jobs;

namespace AiPlatform.Web.Features.Jobs;

/// <summary>A job as the API returns it.</summary>
public sealed record JobSummary(
    Guid Id,
    string Kind,
    string? Title,
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
        j.Id, j.Kind, j.Title, j.SubjectType, j.SubjectId, j.Status, j.Progress, j.ProgressMessage, j.Error,
        j.CreatedBy, j.CreatedAt, j.StartedAt, j.FinishedAt, j.CancelRequested, j.Attempts);
}
