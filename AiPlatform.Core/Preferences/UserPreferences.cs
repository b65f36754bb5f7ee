namespace AiPlatform.Core.Preferences;

/// <summary>
/// What the shell remembers for one user on every browser: the UI language (e.g. <c>zh-CN</c>, null: the browser's),
/// dark mode (null: not chosen yet) and whether the first-run checklist was dismissed.
/// </summary>
public sealed record UserPreferences(string? Culture, bool? DarkMode, bool ChecklistDismissed)
{
    public static readonly UserPreferences None = new(null, null, false);
}
