namespace AiPlatform.Core.Access;

/// <summary>
/// Checks the credentials scripts send: a personal access token (Bearer, or as the HTTP Basic password) or an HTTP Basic
/// user name and password. Successful checks are remembered by the node's <see cref="AccessCache"/>, so the slow password
/// hash runs once per generation, not per request; a failure always goes to the account service, which counts it
/// toward lockout and audits it.
/// </summary>
public sealed class ApiCredentialService(ApiTokenService tokens, IAccountService accounts, IAccessStore store, AccessCache cache)
{
    public Task<CallerIdentity?> ValidateTokenAsync(string token, CancellationToken ct) => tokens.ValidateAsync(token, ct);

    /// <summary>HTTP Basic: the secret is a token of that user or their password (refused for MFA accounts, as by the account service).</summary>
    public async Task<CallerIdentity?> ValidateBasicAsync(string userName, string secret, CancellationToken ct)
    {
        if (ApiTokenService.LooksLikeToken(secret))
        {
            return await tokens.ValidateAsync(secret, ct) is { } byToken && string.Equals(byToken.UserName, userName, StringComparison.OrdinalIgnoreCase) ? byToken : null;
        }

        var caller = await cache.CheckPasswordAsync(userName, secret, token => accounts.CheckPasswordAsync(userName, secret, token), ct);
        if (caller is null)
        {
            return null;
        }

        // Disabling a user also empties the cache; reading the (cached) context here keeps the rule local and warms it for the request.
        return await cache.GetContextAsync(caller.Id, store.LoadContextAsync, ct) is null ? null : caller;
    }
}
