namespace AiPlatform.Core.Access;

public sealed class GroupMember
{
    public Guid GroupId { get; set; }

    public Guid UserId { get; set; }
}
