namespace AiPlatform.Core.Access;

/// <summary>
/// Proof that the person at the keyboard is the account holder, asked before security changes (turning MFA off,
/// new recovery codes): the current password or a code from the authenticator app.
/// </summary>
public sealed record Reauthentication(string? Password, string? Code);
