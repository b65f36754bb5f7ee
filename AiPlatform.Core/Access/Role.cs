namespace AiPlatform.Core.Access;

public sealed class Role
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public bool IsSystem { get; set; }

    public List<string> Capabilities { get; set; } = [];
}
