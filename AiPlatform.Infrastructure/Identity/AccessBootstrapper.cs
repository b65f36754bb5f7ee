using System.Security.Cryptography;
using AiPlatform.Core.Access;
using AiPlatform.Infrastructure.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>At start: brings the system roles up to their templates and, on an empty platform, creates the administrator.</summary>
internal sealed class AccessBootstrapper(IServiceProvider services, ILogger<AccessBootstrapper> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        await provider.GetRequiredService<IAccessStore>().EnsureSystemRolesAsync(ct);
        var db = provider.GetRequiredService<PlatformDbContext>();
        if (await db.Users.AnyAsync(ct))
        {
            return;
        }

        var options = provider.GetRequiredService<IOptions<AdminOptions>>().Value;
        var generated = string.IsNullOrEmpty(options.InitialPassword);
        var password = generated ? GeneratePassword() : options.InitialPassword!;
        var users = provider.GetRequiredService<UserManager<PlatformUser>>();
        var admin = new PlatformUser
        {
            Id = Guid.CreateVersion7(),
            UserName = options.UserName,
            DisplayName = "Administrator",
            MustChangePassword = generated,
            LockoutEnabled = true,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        IdentityUserDirectory.Check(await users.CreateAsync(admin, password));
        db.RoleAssignments.Add(new RoleAssignment { PrincipalType = PrincipalType.User, PrincipalId = admin.Id, RoleId = SystemRoles.IdOf(SystemRoles.Admin) });
        db.AuditEntries.Add(new Core.Audit.AuditEntry { At = DateTimeOffset.UtcNow, ActorName = "system", Action = "user.bootstrap", ObjectType = "user", ObjectId = admin.Id.ToString(), Summary = $$"""{"userName":"{{options.UserName}}"}""" });
        await db.SaveChangesAsync(ct);
        logger.LogWarning("Created the administrator account '{UserName}'", options.UserName);
        if (generated)
        {
            // Written to the console only, never to the log files: it is a secret.
            Console.WriteLine($"""

                ==================================================================
                 AiPlatform administrator: {options.UserName}
                 One-time password:        {password}
                 You will be asked to choose a new password at first sign-in.
                ==================================================================

                """);
        }
    }

    private static string GeneratePassword() =>
        "Ai!" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y') + "7a";
}
