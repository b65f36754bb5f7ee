using System.Security.Claims;
using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Components.Authorization;

namespace AiPlatform.Web.Security;

/// <summary>
/// The caller from the HTTP request's principal, or, inside an interactive Blazor circuit (no HttpContext),
/// from the circuit's authentication state; inside an <see cref="ActingCaller"/> scope, the user it names.
/// </summary>
internal sealed class HttpCurrentUser(IHttpContextAccessor http, IServiceProvider services) : ICurrentUser
{
    public string? ClientIp => http.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public string? CorrelationId => http.HttpContext?.TraceIdentifier;

    public async ValueTask<CallerIdentity?> GetAsync(CancellationToken ct)
    {
        if (ActingCaller.Current is { } acting)
        {
            return acting;
        }

        var principal = http.HttpContext?.User;
        if (principal?.Identity?.IsAuthenticated != true && services.GetService<AuthenticationStateProvider>() is { } auth)
        {
            try
            {
                principal = (await auth.GetAuthenticationStateAsync()).User;
            }
            catch (InvalidOperationException)
            {
                // Outside a circuit (API request, background job) there is no authentication state.
            }
        }

        return From(principal);
    }

    internal static CallerIdentity? From(ClaimsPrincipal? principal) =>
        principal?.Identity?.IsAuthenticated == true && Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? new CallerIdentity(id, principal.Identity.Name ?? id.ToString(), principal.HasClaim(PlatformClaimTypes.ReadOnly, "true"))
            : null;
}
