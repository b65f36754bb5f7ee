namespace AiPlatform.Core.Access;

/// <summary>Finds objects of one securable type; each module that adds a securable type registers one.</summary>
public interface ISecurableLookup
{
    string ObjectType { get; }

    Task<SecurableObject?> FindAsync(Guid id, CancellationToken ct);
}
