using System.Security.Claims;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Infrastructure.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>
/// Turns an identity-provider principal into a platform user: created at first sign-in, linked by the IdP subject,
/// and given the platform roles that the IdP roles map to (the mapping is re-applied at every sign-in).
/// </summary>
internal sealed class ExternalUserProvisioner(
    UserManager<PlatformUser> users,
    PlatformDbContext db,
    IOptions<OidcOptions> options,
    ICurrentUser currentUser,
    TimeProvider time)
{
    public const string LoginProvider = "oidc";

    /// <summary>The platform user for the principal; null when that user is disabled.</summary>
    public async Task<PlatformUser?> ProvisionAsync(ClaimsPrincipal external, bool interactiveSignIn, CancellationToken ct)
    {
        var settings = options.Value;
        var subject = external.FindFirstValue("sub") ?? external.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The identity provider sent no subject.");
        var userName = external.FindFirstValue(settings.UserNameClaim) ?? external.FindFirstValue("email") ?? subject;
        var idpRoles = ReadRoles(external, settings.RoleClaimPath);
        var mapped = idpRoles.Select(r => settings.RoleMapping.GetValueOrDefault(r)).OfType<string>().Distinct().ToList();

        var user = await users.FindByLoginAsync(LoginProvider, subject);
        var created = false;
        if (user is null)
        {
            var name = await users.FindByNameAsync(userName) is null ? userName : $"{userName}@{LoginProvider}";
            user = new PlatformUser
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                UserName = name,
                DisplayName = external.FindFirstValue("name") ?? userName,
                Email = external.FindFirstValue("email"),
                IsExternal = true,
                CreatedAt = time.GetUtcNow(),
            };
            IdentityUserDirectory.Check(await users.CreateAsync(user));
            IdentityUserDirectory.Check(await users.AddLoginAsync(user, new UserLoginInfo(LoginProvider, subject, settings.DisplayName)));
            created = true;
        }

        if (user.IsDisabled)
        {
            return null;
        }

        var roleIds = await db.PlatformRoles.Where(r => mapped.Contains(r.Name)).Select(r => r.Id).ToListAsync(ct);
        if (roleIds.Count == 0 && created)
        {
            roleIds = await db.PlatformRoles.Where(r => r.Name == settings.DefaultRole).Select(r => r.Id).ToListAsync(ct);
        }

        if (roleIds.Count > 0 || mapped.Count > 0)
        {
            var current = await db.RoleAssignments.Where(a => a.PrincipalType == PrincipalType.User && a.PrincipalId == user.Id).ToListAsync(ct);
            db.RoleAssignments.RemoveRange(current.Where(a => !roleIds.Contains(a.RoleId)));
            db.RoleAssignments.AddRange(roleIds.Where(id => current.All(a => a.RoleId != id)).Select(id => new RoleAssignment { PrincipalType = PrincipalType.User, PrincipalId = user.Id, RoleId = id }));
        }

        if (!created && !interactiveSignIn)
        {
            await db.SaveChangesAsync(ct);
            return user;
        }

        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            ActorId = user.Id,
            ActorName = user.UserName!,
            Action = created ? "user.provision" : "signin",
            ObjectType = "user",
            ObjectId = user.Id.ToString(),
            Summary = JsonSerializer.Serialize(new { provider = settings.DisplayName, idpRoles, platformRoles = mapped }),
            ClientIp = currentUser.ClientIp,
            CorrelationId = currentUser.CorrelationId,
        });
        await db.SaveChangesAsync(ct);
        return user;
    }

    /// <summary>
    /// What the access cache remembers a bearer principal's provisioning by: a hash of the issuer, the subject and every
    /// claim <see cref="ProvisionAsync"/> reads (user name, e-mail, name, the roles at the configured path).
    /// </summary>
    internal static string CacheKey(ClaimsPrincipal external, OidcOptions settings)
    {
        var subject = external.FindFirstValue("sub") ?? external.FindFirstValue(ClaimTypes.NameIdentifier);
        var parts = new[]
        {
            external.FindFirstValue("iss") ?? external.Claims.FirstOrDefault()?.Issuer, subject, external.FindFirstValue(settings.UserNameClaim),
            external.FindFirstValue("email"), external.FindFirstValue("name"), string.Join('\u001f', ReadRoles(external, settings.RoleClaimPath).Order(StringComparer.Ordinal)),
        };
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\0', parts.Select(p => p ?? string.Empty)))));
    }

    /// <summary>Reads roles at a dotted path: a JSON claim (<c>realm_access</c> → <c>roles</c>) or plain repeated claims.</summary>
    internal static IReadOnlyList<string> ReadRoles(ClaimsPrincipal principal, string path)
    {
        var parts = path.Split('.');
        var roles = new List<string>();
        foreach (var claim in principal.FindAll(parts[0]))
        {
            if (parts.Length == 1)
            {
                roles.AddRange(claim.Value.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(claim.Value) ?? [] : [claim.Value]);
                continue;
            }

            try
            {
                var node = JsonDocument.Parse(claim.Value).RootElement;
                foreach (var part in parts.Skip(1))
                {
                    if (!node.TryGetProperty(part, out node))
                    {
                        break;
                    }
                }

                if (node.ValueKind == JsonValueKind.Array)
                {
                    roles.AddRange(node.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
                }
            }
            catch (JsonException)
            {
            }
        }

        return roles.Distinct().ToList();
    }
}
