namespace AiPlatform.Core.Access;

/// <summary>A principal or object by kind and id, as grants and audit entries refer to them (<c>user</c>, <c>group</c>, <c>role</c> or a securable type).</summary>
public readonly record struct EntityRef(string Type, Guid Id)
{
    public const string User = "user";
    public const string Group = "group";
    public const string Role = "role";
}
