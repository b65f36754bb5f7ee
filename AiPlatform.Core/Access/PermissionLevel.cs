namespace AiPlatform.Core.Access;

/// <summary>Rights on one object; each level includes the ones below it. The owner has Manage.</summary>
public enum PermissionLevel
{
    Read = 1,
    Write = 2,
    Manage = 3,
}
