using AiPlatform.Core.Dashboard;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>
/// A generated password must be changed (<see cref="PlatformUser.MustChangePassword"/>); a configured one
/// (<c>Admin:InitialPassword</c>) is still in use when it still verifies against the account's hash.
/// </summary>
internal sealed class IdentityInitialPasswordCheck(UserManager<PlatformUser> users, IOptions<AdminOptions> admin) : IInitialPasswordCheck
{
    public async Task<bool> StillInitialAsync(Guid userId, CancellationToken ct)
    {
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return false;
        }

        if (user.MustChangePassword)
        {
            return true;
        }

        return admin.Value.InitialPassword is { Length: > 0 } initial
            && string.Equals(user.UserName, admin.Value.UserName, StringComparison.Ordinal)
            && user.PasswordHash is not null
            && users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash, initial) != PasswordVerificationResult.Failed;
    }
}
