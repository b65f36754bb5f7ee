namespace AiPlatform.Core.Access;

/// <summary>
/// Name and owner of one securable object, as the sharing dialog needs them. <see cref="Parent"/> is the object it
/// inherits rights from (an experiment's project): the effective level is the better of the two.
/// </summary>
public sealed record SecurableObject(string ObjectType, Guid Id, string Name, Guid OwnerId, SecurableObject? Parent = null);
