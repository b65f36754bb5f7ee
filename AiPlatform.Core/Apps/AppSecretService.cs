using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;

namespace AiPlatform.Core.Apps;

/// <summary>What a secret is set to: its value (write-only) and the hosts it may be sent to.</summary>
public sealed record AppSecretInput(string? Value, IReadOnlyList<string>? Hosts);

/// <summary>A secret as lists show it: never its value.</summary>
public sealed record AppSecretView(string Name, IReadOnlyList<string> Hosts, DateTimeOffset UpdatedAt, Guid UpdatedBy);

/// <summary>A secret's value for an HTTP node about to send it.</summary>
public sealed record AppSecretValue(string Name, string Value, IReadOnlyList<string> Hosts)
{
    /// <summary>Whether the secret may go to <paramref name="host"/>: one of its hosts exactly, or under a <c>.suffix</c>.</summary>
    public bool AllowsHost(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        return Hosts.Any(h => h.StartsWith('.') ? name.EndsWith(h, StringComparison.Ordinal) : name == h);
    }
}

/// <summary>
/// An app's secrets (Manage): set, replace, list (names and hosts only) and delete, audited without their values; read by
/// HTTP nodes of that app at run time (<see cref="AppSecretReader"/>). Values are encrypted at rest with the platform's
/// data-protection keys, like data-source credentials, and each secret names the hosts it may be sent to, so whoever may
/// edit the app's graph (Write) cannot send it elsewhere.
/// </summary>
public sealed partial class AppSecretService(AppService apps, IAppStore store, AuditRecorder audit, ISecretProtector protector, TimeProvider time)
{
    public const int MaxNameLength = 64;

    public const int MaxValueLength = 8192;

    public const int MaxHosts = 20;

    public static bool IsValidName(string? name) => name is { Length: > 0 and <= MaxNameLength } && NamePattern().IsMatch(name);

    public async Task<IReadOnlyList<AppSecretView>> ListAsync(Guid appId, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        return [.. (await store.ListSecretsAsync(app.Id, ct)).OrderBy(s => s.Name, StringComparer.Ordinal).Select(View)];
    }

    /// <summary>Sets a secret (Manage): a new one needs a value; a known one keeps its value when none is given (to change only its hosts).</summary>
    public async Task<AppSecretView> SetAsync(Guid appId, string name, AppSecretInput input, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        if (!IsValidName(name))
        {
            throw new ValidationException("name", $"A secret's name has 1 to {MaxNameLength} letters, digits and underscores and starts with a letter.") { MessageKey = "Apps.Secrets.Error.Name", MessageArguments = [MaxNameLength] };
        }

        var hosts = (input.Hosts ?? []).Select(h => h.Trim().TrimEnd('.').ToLowerInvariant()).Where(h => h.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (hosts.Count is 0 or > MaxHosts || hosts.Any(h => !HostPattern().IsMatch(h)))
        {
            throw new ValidationException("hosts", $"Name 1 to {MaxHosts} hosts the secret may be sent to: api.example.com, or .example.com for every host under it.") { MessageKey = "Apps.Secrets.Error.Hosts", MessageArguments = [MaxHosts] };
        }

        var existing = await store.FindSecretAsync(app.Id, name, ct);
        var value = input.Value;
        if (value is { Length: > MaxValueLength } || (value is not null && value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) || (existing is null && string.IsNullOrEmpty(value)))
        {
            throw new ValidationException("value", $"A secret's value is 1 to {MaxValueLength} characters on one line (it goes into an HTTP header).") { MessageKey = "Apps.Secrets.Error.Value", MessageArguments = [MaxValueLength] };
        }

        var entry = await audit.EntryAsync("app.secret.set", SecurableTypes.App, app.Id, new { name, hosts, valueChanged = !string.IsNullOrEmpty(value) }, ct);
        var secret = existing ?? new AppSecret { Id = Guid.CreateVersion7(time.GetUtcNow()), AppId = app.Id, Name = name, ValueProtected = string.Empty, Hosts = string.Empty };
        if (!string.IsNullOrEmpty(value))
        {
            secret.ValueProtected = protector.Protect(value);
        }

        secret.Hosts = string.Join('\n', hosts);
        secret.UpdatedAt = time.GetUtcNow();
        secret.UpdatedBy = entry.ActorId ?? Guid.Empty;
        await store.SaveSecretAsync(secret, entry, ct);
        return View(secret);
    }

    public async Task DeleteAsync(Guid appId, string name, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        var entry = await audit.EntryAsync("app.secret.delete", SecurableTypes.App, app.Id, new { name }, ct);
        if (!await store.DeleteSecretAsync(app.Id, name, entry, ct))
        {
            throw new NotFoundException("App secret", name) { MessageKey = "Apps.Secrets.Error.NotFound", MessageArguments = [name] };
        }
    }

    private static AppSecretView View(AppSecret s) => new(s.Name, AppSecretReader.Split(s.Hosts), s.UpdatedAt, s.UpdatedBy);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    /// <summary>A DNS name or IPv4 address, optionally with a leading dot for a suffix; no ports, paths or wildcards.</summary>
    [GeneratedRegex(@"^\.?[a-z0-9]([a-z0-9\-]{0,62})(\.[a-z0-9]([a-z0-9\-]{0,62}))*$")]
    private static partial Regex HostPattern();
}

/// <summary>Reads a secret's value for an HTTP node of the app about to send it (no rights checked: the run already acts for the app).</summary>
public sealed class AppSecretReader(IAppStore store, ISecretProtector protector)
{
    /// <summary>Null when the app has no secret of that name.</summary>
    public async Task<AppSecretValue?> FindAsync(Guid appId, string name, CancellationToken ct) =>
        await store.FindSecretAsync(appId, name, ct) is { } secret
            ? new AppSecretValue(secret.Name, protector.Unprotect(secret.ValueProtected), Split(secret.Hosts))
            : null;

    internal static string[] Split(string hosts) => hosts.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
