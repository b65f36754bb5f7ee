namespace AiPlatform.Core.Access;

/// <summary>What an authenticator app needs: the shared key and the otpauth URI (shown as a QR code).</summary>
public sealed record MfaSetup(string SharedKey, string AuthenticatorUri);
