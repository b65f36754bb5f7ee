using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>User accounts through ASP.NET Core Identity; each change and its audit entry commit in one transaction.</summary>
internal sealed class IdentityUserDirectory(UserManager<PlatformUser> users, PlatformDbContext db, TimeProvider time) : IUserDirectory
{
    public async Task<PagedResult<UserSummary>> ListAsync(string? search, PageRequest page, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedUserName!.Contains(term) || (u.NormalizedEmail != null && u.NormalizedEmail.Contains(term)) || (u.DisplayName != null && u.DisplayName.ToUpper().Contains(term)));
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(u => u.NormalizedUserName).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new PagedResult<UserSummary>(items.Select(ToSummary).ToList(), total);
    }

    public async Task<IReadOnlyList<UserSummary>> FindManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var list = ids.ToList();
        return (await db.Users.AsNoTracking().Where(u => list.Contains(u.Id)).OrderBy(u => u.NormalizedUserName).ToListAsync(ct)).Select(ToSummary).ToList();
    }

    public async Task<UserSummary?> FindAsync(Guid id, CancellationToken ct) =>
        await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct) is { } u ? ToSummary(u) : null;

    public async Task<UserSummary?> FindByNameAsync(string userName, CancellationToken ct)
    {
        var normalized = users.NormalizeName(userName);
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedUserName == normalized, ct) is { } u ? ToSummary(u) : null;
    }

    public Task<int> CountAsync(CancellationToken ct) => db.Users.CountAsync(ct);

    public async Task<UserSummary> CreateAsync(NewUser user, AuditEntry audit, CancellationToken ct)
    {
        var entity = new PlatformUser
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            UserName = user.UserName?.Trim(),
            DisplayName = string.IsNullOrWhiteSpace(user.DisplayName) ? null : user.DisplayName.Trim(),
            Email = string.IsNullOrWhiteSpace(user.Email) ? null : user.Email.Trim(),
            MustChangePassword = user.MustChangePassword,
            CreatedAt = time.GetUtcNow(),
            LockoutEnabled = true,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        Check(await users.CreateAsync(entity, user.Password ?? string.Empty));
        audit.ObjectId = entity.Id.ToString();
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return ToSummary(entity);
    }

    public Task SetDisabledAsync(Guid id, bool disabled, AuditEntry audit, CancellationToken ct) =>
        ChangeAsync(id, audit, async user =>
        {
            user.IsDisabled = disabled;
            Check(await users.UpdateAsync(user));
            Check(await users.UpdateSecurityStampAsync(user));
        }, ct);

    public Task ResetMfaAsync(Guid id, AuditEntry audit, CancellationToken ct) =>
        ChangeAsync(id, audit, async user =>
        {
            Check(await users.SetTwoFactorEnabledAsync(user, false));
            Check(await users.RemoveAuthenticationTokenAsync(user, "[AspNetUserStore]", "AuthenticatorKey"));
            Check(await users.RemoveAuthenticationTokenAsync(user, "[AspNetUserStore]", "RecoveryCodes"));
        }, ct);

    public Task SetPasswordAsync(Guid id, string password, bool mustChange, AuditEntry audit, CancellationToken ct) =>
        ChangeAsync(id, audit, async user =>
        {
            foreach (var validator in users.PasswordValidators)
            {
                Check(await validator.ValidateAsync(users, user, password));
            }

            if (await users.HasPasswordAsync(user))
            {
                Check(await users.RemovePasswordAsync(user));
            }

            Check(await users.AddPasswordAsync(user, password));
            user.MustChangePassword = mustChange;
            Check(await users.UpdateAsync(user));
        }, ct);

    internal static UserSummary ToSummary(PlatformUser u) => new(
        u.Id, u.UserName!, u.DisplayName, u.Email, u.IsDisabled, u.TwoFactorEnabled, u.IsExternal, u.MustChangePassword, u.CreatedAt,
        u.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : null);

    /// <summary>Identity errors become a validation problem on the field they concern.</summary>
    internal static void Check(IdentityResult result)
    {
        if (result.Succeeded)
        {
            return;
        }

        var errors = result.Errors
            .GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("UserName", StringComparison.Ordinal) ? "userName" : e.Code.Contains("Email", StringComparison.Ordinal) ? "email" : "user")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());

        // The UI says the first rule broken in the user's language (Error.Identity.<code>, with the number the rule names).
        var first = result.Errors.First();
        var number = System.Text.RegularExpressions.Regex.Match(first.Description, @"\d+");
        throw new ValidationException(errors)
        {
            MessageKey = "Error.Identity." + first.Code,
            MessageArguments = number.Success ? [number.Value] : [],
        };
    }

    private async Task ChangeAsync(Guid id, AuditEntry audit, Func<PlatformUser, Task> change, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id.ToString()) ?? throw new NotFoundException("User", id);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await change(user);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
