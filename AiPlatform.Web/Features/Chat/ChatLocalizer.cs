using System.Text.Json;
using AiPlatform.Core.Chat;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Chat;

public static class ChatLocalizer
{
    /// <summary>A conversation's title, or "New chat" in the user's language while it has none.</summary>
    public static string ConversationTitle(this IStringLocalizer localizer, Conversation conversation) =>
        conversation.IsUntitled ? localizer["Chat.NewChat"] : conversation.Title;

    /// <summary>Why an answer failed, in the user's language where the platform saved the reason's resource.</summary>
    public static string MessageError(this IStringLocalizer localizer, ConversationMessage message) =>
        localizer.Stored(message.ErrorKey, message.ErrorArguments, message.Error ?? string.Empty);

    /// <summary>
    /// A saved server message: the resource <paramref name="key"/> with its arguments (a JSON array of strings), or
    /// <paramref name="fallback"/> (the English text) when there is no key or the resources lack it.
    /// </summary>
    public static string Stored(this IStringLocalizer localizer, string? key, string? argumentsJson, string fallback)
    {
        if (key is null)
        {
            return fallback;
        }

        string[] arguments;
        try
        {
            arguments = string.IsNullOrEmpty(argumentsJson) ? [] : JsonSerializer.Deserialize<string[]>(argumentsJson) ?? [];
        }
        catch (JsonException)
        {
            return fallback;
        }

        var text = localizer[key, [.. arguments]];
        return text.ResourceNotFound ? fallback : text.Value;
    }
}
