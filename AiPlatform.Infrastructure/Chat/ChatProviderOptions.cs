namespace AiPlatform.Infrastructure.Chat;

/// <summary>Section <c>Chat</c>: how the platform talks to model providers.</summary>
public sealed class ChatProviderOptions
{
    public const string Section = "Chat";

    /// <summary>
    /// How long a model provider may keep the platform waiting: for its answer to begin and, when it streams, for each
    /// next piece. Past it, the chat answer fails and the gateway answers 504 (or an error event in a stream).
    /// </summary>
    public TimeSpan ProviderTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
