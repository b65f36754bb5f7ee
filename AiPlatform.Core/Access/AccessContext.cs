namespace AiPlatform.Core.Access;

/// <summary>Who is asking, with the groups and capabilities in force for this request.</summary>
public sealed record AccessContext(Guid UserId, string UserName, IReadOnlySet<Guid> GroupIds, IReadOnlySet<string> Capabilities)
{
    public bool Has(string capability) => Capabilities.Contains(capability);

    /// <summary>Holders of <see cref="Access.Capabilities.ObjectsManageAll"/> see and manage every object.</summary>
    public bool SeesEverything => Has(Access.Capabilities.ObjectsManageAll);
}
