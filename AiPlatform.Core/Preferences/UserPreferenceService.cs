using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Preferences;

/// <summary>The signed-in caller's own preferences (language, dark mode, checklist); nobody reads or writes another user's.</summary>
public sealed class UserPreferenceService(IUserPreferenceStore store, ICurrentUser currentUser)
{
    /// <summary>The cultures the UI speaks; a preference names one of them.</summary>
    public static readonly IReadOnlyList<string> Cultures = ["en", "zh-CN"];

    /// <summary>The caller's preferences, or <see cref="UserPreferences.None"/> for an anonymous caller (the sign-in pages).</summary>
    public async Task<UserPreferences> GetMineAsync(CancellationToken ct) =>
        await currentUser.GetAsync(ct) is { } caller ? await store.FindAsync(caller.Id, ct) ?? UserPreferences.None : UserPreferences.None;

    /// <summary>Changes the caller's preferences; refused for anonymous callers and read-only tokens.</summary>
    public async Task<UserPreferences> UpdateMineAsync(PreferenceUpdate update, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(update);
        var caller = await currentUser.GetAsync(ct) ?? throw new ForbiddenException("Sign in to save preferences.");
        if (caller.ReadOnly)
        {
            throw new ForbiddenException("A read-only token cannot change preferences.");
        }

        if (update.Culture is { } culture && !Cultures.Contains(culture, StringComparer.Ordinal))
        {
            throw new ValidationException("culture", $"'{culture}' is not one of: {string.Join(", ", Cultures)}.");
        }

        var current = await store.FindAsync(caller.Id, ct) ?? throw new NotFoundException("User", caller.Id);
        var changed = new UserPreferences(
            update.Culture ?? current.Culture,
            update.DarkMode ?? current.DarkMode,
            update.ChecklistDismissed ?? current.ChecklistDismissed);
        if (changed != current)
        {
            await store.SaveAsync(caller.Id, changed, ct);
        }

        return changed;
    }
}
