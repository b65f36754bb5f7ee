namespace AiPlatform.Core.Preferences;

/// <summary>A change to the caller's preferences: only the values given change.</summary>
public sealed record PreferenceUpdate(string? Culture = null, bool? DarkMode = null, bool? ChecklistDismissed = null);
