namespace AiPlatform.Core.Access;

/// <summary>Lets any signed-in user find another user by exact user name, e.g. to share an object with them.</summary>
public sealed class UserDirectoryLookup(AccessService access, IUserDirectory users)
{
    public async Task<Guid?> FindIdAsync(string userName, CancellationToken ct)
    {
        await access.RequireContextAsync(ct);
        return string.IsNullOrWhiteSpace(userName) ? null : (await users.FindByNameAsync(userName.Trim(), ct))?.Id;
    }
}
