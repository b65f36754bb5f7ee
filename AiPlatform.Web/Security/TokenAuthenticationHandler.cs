using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AiPlatform.Web.Security;

/// <summary>
/// API credentials: <c>Authorization: Bearer aip_…</c> (personal access token) and HTTP Basic with a user name and
/// a password or token (what the MLflow client sends). A revoked or expired token fails at once. Successful checks
/// are served from the node's access cache (see <see cref="AccessCache"/>).
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiCredentialService credentials) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || string.IsNullOrEmpty(header.Parameter))
        {
            return AuthenticateResult.NoResult();
        }

        CallerIdentity? caller;
        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            caller = await credentials.ValidateTokenAsync(header.Parameter, Context.RequestAborted);
        }
        else if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && TryDecodeBasic(header.Parameter, out var user, out var secret))
        {
            caller = await credentials.ValidateBasicAsync(user, secret, Context.RequestAborted);
        }
        else
        {
            return AuthenticateResult.NoResult();
        }

        if (caller is null)
        {
            return AuthenticateResult.Fail("The credentials are not valid, expired or revoked.");
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, caller.Id.ToString()), new(ClaimTypes.Name, caller.UserName) };
        if (caller.ReadOnly)
        {
            claims.Add(new Claim(PlatformClaimTypes.ReadOnly, "true"));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => SecuritySetup.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => SecuritySetup.WriteProblemAsync(Context, StatusCodes.Status403Forbidden);

    private static bool TryDecodeBasic(string parameter, out string user, out string secret)
    {
        user = secret = string.Empty;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var colon = text.IndexOf(':');
            if (colon <= 0)
            {
                return false;
            }

            user = text[..colon];
            secret = text[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
