using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Validation, publishing and versions: publish freezes the draft into an immutable, numbered version (Manage) after
/// the graph validates and every object it names is readable by the publisher; versions can be compared, restored
/// into the draft (Write) and the published pointer rolled back (Manage). Reading versions needs Write: they hold the
/// whole graph, which a Read grantee (who only runs the app) does not see.
/// </summary>
public sealed class AppVersionService(AccessService access, AppService apps, IAppStore store, AuditRecorder audit, AppReferenceCheck references, ITemplateRenderer templates, TimeProvider time)
{
    public const string InvalidGraphCode = "app-graph-invalid";

    /// <summary>What is wrong with the draft (or <paramref name="graph"/>, when given): graph rules (Liquid templates parsed too) first, then references; empty when it may be published.</summary>
    public async Task<IReadOnlyList<AppGraphProblem>> ValidateAsync(Guid id, AppGraph? graph, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Write, ct);
        graph ??= AppGraph.FromJson(app.DraftJson);
        var issues = AppGraphValidator.Validate(graph, app.Kind, templates.Check);
        return issues.Count > 0 ? issues : await references.CheckAsync(app, graph, ct);
    }

    /// <summary>Publishes the draft as version max+1 with <paramref name="message"/> and points the app at it; refuses an invalid graph naming the node (400, <see cref="InvalidGraphCode"/>).</summary>
    public async Task<AppVersion> PublishAsync(Guid id, string? message, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Manage, ct);
        var context = await access.RequireContextAsync(ct);
        var trimmed = string.IsNullOrWhiteSpace(message) ? null : message.Trim();
        if (trimmed is { Length: > 2000 })
        {
            throw new ValidationException("message", "A version message has at most 2000 characters.") { MessageKey = "Apps.Error.VersionMessage" };
        }

        // The version names its sub-apps by id (what their slugs name now; checked below like any reference): a slug freed
        // by a rename or delete and taken by another app cannot redirect the published version.
        var graph = await references.PinSubAppsAsync(AppGraph.FromJson(app.DraftJson), ct);
        await RequireValidAsync(app, graph, ct);
        var now = time.GetUtcNow();
        var number = (await store.ListVersionsAsync(id, ct)).Select(v => v.Number).DefaultIfEmpty(0).Max() + 1;
        var version = new AppVersion { Id = Guid.CreateVersion7(now), AppId = id, Number = number, GraphJson = graph.ToJson(), Message = trimmed, CreatedBy = context.UserId, CreatedAt = now };
        var previous = app.PublishedVersionId;
        app.PublishedVersionId = version.Id;
        app.PublishedBy = context.UserId;
        app.PublishedAt = now;
        app.UpdatedAt = now;
        await store.AddVersionAsync(version, app, await audit.EntryAsync("app.publish", SecurableTypes.App, id, new { version = number, message = trimmed, previous }, ct), ct);
        return version;
    }

    public async Task<IReadOnlyList<AppVersion>> ListAsync(Guid id, CancellationToken ct)
    {
        await apps.RequireAsync(id, PermissionLevel.Write, ct);
        return await store.ListVersionsAsync(id, ct);
    }

    public async Task<AppVersion> GetAsync(Guid id, int number, CancellationToken ct)
    {
        await apps.RequireAsync(id, PermissionLevel.Write, ct);
        return await FindAsync(id, number, ct);
    }

    /// <summary>What changed from version <paramref name="from"/> to version <paramref name="to"/>, or to the draft when <paramref name="to"/> is null.</summary>
    public async Task<AppGraphDiff> DiffAsync(Guid id, int from, int? to, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Write, ct);
        var before = AppGraph.FromJson((await FindAsync(id, from, ct)).GraphJson);
        var after = AppGraph.FromJson(to is { } n ? (await FindAsync(id, n, ct)).GraphJson : app.DraftJson);
        return AppGraphDiff.Compare(before, after);
    }

    /// <summary>Makes version <paramref name="number"/>'s graph the draft (Write); the published pointer does not move.</summary>
    public async Task<AppDraft> RestoreAsync(Guid id, int number, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Write, ct);
        var version = await FindAsync(id, number, ct);
        return await apps.ReplaceDraftAsync(app, AppGraph.FromJson(version.GraphJson), "app.restore", new { version = number }, ct);
    }

    /// <summary>
    /// Points the app back at version <paramref name="number"/> (Manage). The caller becomes the publisher (published runs
    /// use their rights), so the version's references are checked against the caller's rights first.
    /// </summary>
    public async Task<App> RollbackAsync(Guid id, int number, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Manage, ct);
        var context = await access.RequireContextAsync(ct);
        var version = await FindAsync(id, number, ct);
        await RequireValidAsync(app, AppGraph.FromJson(version.GraphJson), ct);
        var previous = app.PublishedVersionId is { } p ? (await store.FindVersionAsync(p, ct))?.Number : null;
        var now = time.GetUtcNow();
        app.PublishedVersionId = version.Id;
        app.PublishedBy = context.UserId;
        app.PublishedAt = now;
        app.UpdatedAt = now;
        await store.UpdateAsync(app, await audit.EntryAsync("app.rollback", SecurableTypes.App, id, new { from = previous, to = number }, ct), ct);
        return app;
    }

    private async Task RequireValidAsync(App app, AppGraph graph, CancellationToken ct)
    {
        var issues = AppGraphValidator.Validate(graph, app.Kind, templates.Check);
        if (issues.Count == 0)
        {
            issues = await references.CheckAsync(app, graph, ct);
        }

        if (issues.Count > 0)
        {
            throw Invalid(issues);
        }
    }

    /// <summary>
    /// A 400 (<see cref="InvalidGraphCode"/>) whose errors are keyed by node id (<c>source->target</c> for an edge,
    /// <c>graph</c> for the graph as a whole); the first problem gives the localized message.
    /// </summary>
    public static ValidationException Invalid(IReadOnlyList<AppGraphProblem> problems)
    {
        var errors = problems.GroupBy(p => p.NodeId ?? (p.Edge is { } e ? $"{e.Source}->{e.Target}" : "graph")).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray());
        var first = problems[0];
        return new ValidationException(errors, InvalidGraphCode) { MessageKey = first.Key, MessageArguments = [.. first.Arguments] };
    }

    private async Task<AppVersion> FindAsync(Guid id, int number, CancellationToken ct) =>
        await store.FindVersionAsync(id, number, ct) ?? throw new NotFoundException("App version", number);
}
