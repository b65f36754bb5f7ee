using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>A security change was asked without a valid current password or authenticator code.</summary>
public sealed class ReauthenticationRequiredException(string message) : PlatformException("reauthentication-required", message);
