namespace AiPlatform.Core.Access;

/// <summary>Name and owner of one securable object, as the sharing dialog needs them.</summary>
public sealed record SecurableObject(string ObjectType, Guid Id, string Name, Guid OwnerId);
