namespace AiPlatform.Core.Access;

public enum PrincipalType
{
    User = 0,
    Group = 1,
}
