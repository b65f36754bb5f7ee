namespace AiPlatform.Core.Preferences;

/// <summary>Stores each user's <see cref="UserPreferences"/> with their account.</summary>
public interface IUserPreferenceStore
{
    /// <summary>The user's preferences; null when the user does not exist.</summary>
    Task<UserPreferences?> FindAsync(Guid userId, CancellationToken ct);

    Task SaveAsync(Guid userId, UserPreferences preferences, CancellationToken ct);
}
