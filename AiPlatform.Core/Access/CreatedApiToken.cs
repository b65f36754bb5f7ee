namespace AiPlatform.Core.Access;

/// <summary>A new token and its plain text, which is never stored and cannot be shown again.</summary>
public sealed record CreatedApiToken(ApiToken Token, string PlainText);
