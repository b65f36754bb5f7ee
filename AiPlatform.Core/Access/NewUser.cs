namespace AiPlatform.Core.Access;

public sealed record NewUser(string UserName, string? DisplayName, string? Email, string Password, bool MustChangePassword = false);
