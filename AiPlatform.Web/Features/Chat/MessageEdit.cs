namespace AiPlatform.Web.Features.Chat;

/// <summary>A user's edit of their message, to be answered again.</summary>
public sealed record MessageEdit(Guid MessageId, string? Text);
