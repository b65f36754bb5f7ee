namespace AiPlatform.Core.Access;

/// <summary>A right on one securable object given to a user or a group.</summary>
public sealed class ObjectGrant
{
    public Guid Id { get; set; }

    public required string ObjectType { get; set; }

    public Guid ObjectId { get; set; }

    public PrincipalType PrincipalType { get; set; }

    public Guid PrincipalId { get; set; }

    public PermissionLevel Level { get; set; }

    public Guid? GrantedBy { get; set; }

    public DateTimeOffset GrantedAt { get; set; }
}
