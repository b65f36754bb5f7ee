namespace AiPlatform.Core.Projects;

/// <summary>A workspace that holds experiments, training runs and studies; the first securable object type.</summary>
public sealed class Project : Access.IOwnedObject
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary>Where the project's code lives (https, ssh or git@ form); optional.</summary>
    public string? GitRepositoryUrl { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
