using AiPlatform.Core.Chat;

namespace AiPlatform.Web.Features.Chat;

/// <summary>Sorts conversations into <see cref="ConversationAge"/> groups by calendar day in the given time zone.</summary>
public static class ConversationGroups
{
    /// <summary>The non-empty groups, newest first; each keeps the order of <paramref name="conversations"/>.</summary>
    public static IReadOnlyList<(ConversationAge Age, IReadOnlyList<Conversation> Items)> Group(IEnumerable<Conversation> conversations, DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        return [.. conversations
            .GroupBy(c => Age(today, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.UpdatedAt, zone).DateTime)))
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, (IReadOnlyList<Conversation>)[.. g]))];
    }

    private static ConversationAge Age(DateOnly today, DateOnly day) => (today.DayNumber - day.DayNumber) switch
    {
        <= 0 => ConversationAge.Today,
        1 => ConversationAge.Yesterday,
        <= 7 => ConversationAge.Previous7Days,
        <= 30 => ConversationAge.Previous30Days,
        _ => ConversationAge.Older,
    };
}
