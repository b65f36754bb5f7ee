namespace AiPlatform.Core.Access;

/// <summary>A securable entity: it has an owner, and grants refer to its id.</summary>
public interface IOwnedObject
{
    Guid Id { get; }

    Guid OwnerId { get; }
}
