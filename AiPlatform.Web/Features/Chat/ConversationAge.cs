namespace AiPlatform.Web.Features.Chat;

/// <summary>The groups of the conversation list, by the day a conversation last changed (as in OpenWebUI).</summary>
public enum ConversationAge
{
    Today,
    Yesterday,
    Previous7Days,
    Previous30Days,
    Older,
}
