using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Me;

/// <summary>The caller's identity, effective permissions and personal access tokens.</summary>
public static class MeEndpoints
{
    public static RouteGroupBuilder MapMeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/me").WithTags("Me");
        group.MapGet("/", GetAsync).WithName("GetMe").WithSummary("The caller's identity, roles, groups and effective capabilities.");
        group.MapGet("/permissions", GetPermissionsAsync).WithName("GetMyPermissions").WithSummary("Capabilities with their sources, and grants.");
        group.MapGet("/tokens", ListTokensAsync).WithName("ListMyTokens");
        group.MapPost("/tokens", CreateTokenAsync).WithName("CreateMyToken").WithSummary("Creates a personal access token; its value is returned once.");
        group.MapDelete("/tokens/{id:guid}", RevokeTokenAsync).WithName("RevokeMyToken");
        group.MapPost("/password", ChangePasswordAsync).WithName("ChangeMyPassword").WithSummary("Changes the caller's password (the one route open while a password change is required).");
        group.MapPost("/mfa/disable", DisableMfaAsync).WithName("DisableMyMfa").WithSummary("Turns two-factor authentication off; needs the current password or an authenticator code.");
        group.MapPost("/mfa/recovery-codes", RegenerateRecoveryCodesAsync).WithName("RegenerateMyRecoveryCodes").WithSummary("Replaces the recovery codes; needs the current password or an authenticator code.");
        return group;
    }

    static async Task<Ok<MeView>> GetAsync(AccessService access, PermissionsService permissions, ICurrentUser currentUser, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var caller = await currentUser.GetAsync(ct);
        var described = await permissions.DescribeAsync(context.UserId, ct);
        return TypedResults.Ok(new MeView(
            context.UserId, context.UserName, described.User.DisplayName, described.User.Email, described.User.MfaEnabled, caller?.ReadOnly == true,
            described.Roles.Select(r => r.RoleName).Distinct().ToList(), described.Groups.Select(g => g.Name).ToList(),
            context.Capabilities.Order(StringComparer.Ordinal).ToList()));
    }

    static async Task<Ok<EffectivePermissions>> GetPermissionsAsync(AccessService access, PermissionsService permissions, CancellationToken ct) =>
        TypedResults.Ok(await permissions.DescribeAsync((await access.RequireContextAsync(ct)).UserId, ct));

    static async Task<Ok<List<TokenView>>> ListTokensAsync(ApiTokenService tokens, CancellationToken ct) =>
        TypedResults.Ok((await tokens.ListMineAsync(ct)).Select(TokenView.From).ToList());

    static async Task<Created<CreatedTokenView>> CreateTokenAsync(CreateTokenRequest body, ApiTokenService tokens, CancellationToken ct)
    {
        var created = await tokens.CreateAsync(body.Name ?? string.Empty, body.Scope ?? ApiTokenScope.ReadWrite, body.ExpiresInDays, ct);
        return TypedResults.Created($"/api/v1/me/tokens/{created.Token.Id}", new CreatedTokenView(TokenView.From(created.Token), created.PlainText));
    }

    static async Task<NoContent> ChangePasswordAsync(ChangePasswordRequest body, AccessService access, IAccountService accounts, CancellationToken ct)
    {
        await accounts.ChangePasswordAsync((await access.RequireContextAsync(ct)).UserId, body.CurrentPassword ?? string.Empty, body.NewPassword ?? string.Empty, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> DisableMfaAsync(ReauthenticationRequest body, AccessService access, IAccountService accounts, CancellationToken ct)
    {
        await accounts.DisableMfaAsync((await access.RequireContextAsync(ct)).UserId, new Reauthentication(body.Password, body.Code), ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<RecoveryCodesView>> RegenerateRecoveryCodesAsync(ReauthenticationRequest body, AccessService access, IAccountService accounts, CancellationToken ct) =>
        TypedResults.Ok(new RecoveryCodesView(await accounts.RegenerateRecoveryCodesAsync((await access.RequireContextAsync(ct)).UserId, new Reauthentication(body.Password, body.Code), ct)));

    static async Task<NoContent> RevokeTokenAsync(Guid id, ApiTokenService tokens, CancellationToken ct)
    {
        await tokens.RevokeAsync(id, ct);
        return TypedResults.NoContent();
    }
}

public sealed record MeView(Guid Id, string UserName, string? DisplayName, string? Email, bool MfaEnabled, bool ReadOnlyToken, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups, IReadOnlyList<string> Capabilities);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>The current password or a code from the authenticator app, for security changes.</summary>
public sealed record ReauthenticationRequest(string? Password, string? Code);

public sealed record RecoveryCodesView(IReadOnlyList<string> Codes);

public sealed record CreateTokenRequest(string? Name, ApiTokenScope? Scope, int? ExpiresInDays);

public sealed record TokenView(Guid Id, string Name, string Prefix, ApiTokenScope Scope, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static TokenView From(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.Scope, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}

/// <summary>A new token with its value, which is shown this once and never stored.</summary>
public sealed record CreatedTokenView(TokenView Token, string Value);
