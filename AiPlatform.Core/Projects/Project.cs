namespace AiPlatform.Core.Projects;

/// <summary>A workspace that later holds datasets, experiments and models; the first securable object type.</summary>
public sealed class Project : Access.IOwnedObject
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
