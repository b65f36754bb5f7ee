using System.Text.Json;

namespace AiPlatform.Web.Features.Jobs;

/// <summary>Body of <c>POST /api/v1/jobs</c>.</summary>
public sealed record StartJobRequest(string? Kind, string? Title, JsonElement? Parameters);
