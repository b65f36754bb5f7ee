using System.Text.Json;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// What a caller asks for when starting a job; <paramref name="TitleText"/> is the title by resource key, shown in the
/// reader's language (<paramref name="Title"/> stays the English text).
/// </summary>
public sealed record JobRequest(string Kind, string? Title = null, string? SubjectType = null, string? SubjectId = null, JsonElement? Parameters = null, JobText? TitleText = null);
