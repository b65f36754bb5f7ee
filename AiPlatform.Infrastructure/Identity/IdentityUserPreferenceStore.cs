using AiPlatform.Core.Preferences;
using Microsoft.AspNetCore.Identity;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>Preferences live on the user's row (<see cref="PlatformUser"/>), next to the language chosen at sign-in.</summary>
internal sealed class IdentityUserPreferenceStore(UserManager<PlatformUser> users) : IUserPreferenceStore
{
    public async Task<UserPreferences?> FindAsync(Guid userId, CancellationToken ct) =>
        await users.FindByIdAsync(userId.ToString()) is { } user ? new UserPreferences(user.PreferredCulture, user.DarkMode, user.ChecklistDismissed) : null;

    public async Task SaveAsync(Guid userId, UserPreferences preferences, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(userId.ToString()) ?? throw new Core.Common.NotFoundException("User", userId);
        user.PreferredCulture = preferences.Culture;
        user.DarkMode = preferences.DarkMode;
        user.ChecklistDismissed = preferences.ChecklistDismissed;
        IdentityUserDirectory.Check(await users.UpdateAsync(user));
    }
}
