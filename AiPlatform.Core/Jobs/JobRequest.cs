using System.Text.Json;

namespace AiPlatform.Core.Jobs;

/// <summary>What a caller asks for when starting a job.</summary>
public sealed record JobRequest(string Kind, string? Title = null, string? SubjectType = null, string? SubjectId = null, JsonElement? Parameters = null);
