using AiPlatform.Core.Access;

namespace AiPlatform.Core.Data;

/// <summary>A named, versioned table of data; a securable object (owner and grants).</summary>
public sealed class Dataset : IOwnedObject
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Markdown.</summary>
    public string? Description { get; set; }

    public List<string> Tags { get; set; } = [];

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public int VersionCount { get; set; }
}
