namespace AiPlatform.Core.Access;

/// <summary>A role given to a user or to every member of a group.</summary>
public sealed class RoleAssignment
{
    public Guid RoleId { get; set; }

    public PrincipalType PrincipalType { get; set; }

    public Guid PrincipalId { get; set; }
}
