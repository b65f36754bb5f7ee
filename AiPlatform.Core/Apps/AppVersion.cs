namespace AiPlatform.Core.Apps;

/// <summary>An immutable published snapshot of an app's graph (numbered 1, 2, … per app).</summary>
public sealed class AppVersion
{
    public Guid Id { get; set; }

    public Guid AppId { get; set; }

    public int Number { get; set; }

    /// <summary>The graph as JSON (<see cref="AppGraph"/>), as it was published.</summary>
    public required string GraphJson { get; set; }

    public string? Message { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
