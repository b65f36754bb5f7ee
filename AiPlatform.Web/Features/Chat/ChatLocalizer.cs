using AiPlatform.Core.Chat;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Chat;

public static class ChatLocalizer
{
    /// <summary>A conversation's title, or "New chat" in the user's language while it has none.</summary>
    public static string ConversationTitle(this IStringLocalizer localizer, Conversation conversation) =>
        conversation.IsUntitled ? localizer["Chat.NewChat"] : conversation.Title;
}
