namespace AiPlatform.Core.Access;

/// <summary>A team: members share the group's grants and roles.</summary>
public sealed class Group
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
