namespace AiPlatform.Core.Chat;

/// <summary>The provider did not answer (down, slow, refused); the message says which and why.</summary>
public sealed class ProviderUnavailableException(string message) : Common.PlatformException("provider-unavailable", message);
