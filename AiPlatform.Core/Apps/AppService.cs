using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Apps and their drafts: securable (Read runs the published version, Write edits the draft and runs it, Manage
/// changes the app, shares, publishes and deletes it). Versions are <see cref="AppVersionService"/>'s, runs
/// <see cref="AppRunService"/>'s; both ask this service for the app and the caller's right to it.
/// </summary>
public sealed partial class AppService(AccessService access, IAppStore store, AuditRecorder audit, IAppDocumentFormat format, TimeProvider time, IAppDeploymentStore deployments) : ISecurableLookup
{
    /// <summary>A draft save records an audit entry only when the previous save is older than this (an autosaving canvas would flood the trail).</summary>
    public static readonly TimeSpan DraftAuditQuietPeriod = TimeSpan.FromMinutes(10);

    public const int MaxDraftBytes = 1_000_000;

    public const int MaxNodes = 500;

    public string ObjectType => SecurableTypes.App;

    public async Task<PagedResult<App>> ListAsync(string? search, PageRequest page, CancellationToken ct) =>
        await store.ListReadableAsync(await access.RequireContextAsync(ct), search, page, ct);

    /// <summary>The app and the caller's level on it; 404 when the caller may not read it.</summary>
    public async Task<(App App, PermissionLevel Level)> GetAsync(Guid id, CancellationToken ct)
    {
        var app = await store.FindAsync(id, ct);
        var level = app is null ? null : await access.GetLevelAsync(ObjectType, id, app.OwnerId, ct);
        return app is not null && level is { } l ? (app, l) : throw new NotFoundException("App", id);
    }

    /// <summary>The app when the caller holds <paramref name="level"/> on it: 404 when they cannot read it, 403 when they hold less.</summary>
    public async Task<(App App, PermissionLevel Level)> RequireAsync(Guid id, PermissionLevel level, CancellationToken ct)
    {
        var (app, found) = await GetAsync(id, ct);
        return (app, await access.RequireFoundLevelAsync(ObjectType, id, found, level, ct));
    }

    /// <inheritdoc cref="RequireAsync(Guid, PermissionLevel, CancellationToken)"/>
    public async Task<(App App, PermissionLevel Level)> RequireBySlugAsync(string slug, PermissionLevel level, CancellationToken ct)
    {
        var app = await store.FindBySlugAsync(slug?.Trim().ToLowerInvariant() ?? string.Empty, ct);
        var found = app is null ? null : await access.GetLevelAsync(ObjectType, app.Id, app.OwnerId, ct);
        return app is not null && found is not null
            ? (app, await access.RequireFoundLevelAsync(ObjectType, app.Id, found, level, ct))
            : throw new NotFoundException("App", slug ?? string.Empty);
    }

    /// <summary>The published version's name, kind and start fields, for the app's page and API callers (Read).</summary>
    public async Task<AppPublishedView> GetPublishedAsync(string slug, CancellationToken ct)
    {
        var (app, _) = await RequireBySlugAsync(slug, PermissionLevel.Read, ct);
        var version = await RequirePublishedVersionAsync(app, ct);
        var start = AppGraph.FromJson(version.GraphJson).Nodes.FirstOrDefault(n => n.Type == AppNodeTypes.Start);
        return new AppPublishedView(app.Id, app.Slug, app.Name, app.Description, app.Kind, version.Number, app.PublishedAt ?? version.CreatedAt, start?.Config.DeepClone());
    }

    /// <summary>The version the app serves; 409 (<c>Apps.Error.NotPublished</c>) before the first publish.</summary>
    public async Task<AppVersion> RequirePublishedVersionAsync(App app, CancellationToken ct) =>
        app.PublishedVersionId is { } id && await store.FindVersionAsync(id, ct) is { } version
            ? version
            : throw new ConflictException($"The app '{app.Slug}' has no published version yet.") { MessageKey = "Apps.Error.NotPublished", MessageArguments = [app.Slug] };

    public async Task<App> CreateAsync(AppInput input, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.AppsCreate, ct);
        return await AddAsync(context, input, StarterGraph(input.Kind), "app.create", ct);
    }

    /// <summary>Changes the name, address (slug), description and kind (Manage: the slug is the app's public address); a published app keeps its kind.</summary>
    public async Task<App> UpdateAsync(Guid id, AppInput input, CancellationToken ct)
    {
        var (app, _) = await RequireAsync(id, PermissionLevel.Manage, ct);
        if (input.Kind != app.Kind && app.PublishedVersionId is not null)
        {
            throw new ValidationException("kind", "A published app keeps its kind: its versions were checked as that kind. Export it and import it as a new app instead.") { MessageKey = "Apps.Error.KindChange" };
        }

        var before = new { app.Name, app.Slug, app.Description, app.Kind };
        app.Name = ValidName(input.Name);
        app.Slug = await ValidSlugAsync(input.Slug, id, ct);
        app.Description = ValidDescription(input.Description);
        app.Kind = input.Kind;
        app.UpdatedAt = time.GetUtcNow();
        await store.UpdateAsync(app, await audit.EntryAsync("app.update", ObjectType, id, new { before, after = new { app.Name, app.Slug, app.Description, app.Kind } }, ct), ct);
        return app;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (app, _) = await RequireAsync(id, PermissionLevel.Manage, ct);

        // i18/k8s: a runner on Kubernetes would outlive the app; it is removed first (DELETE /api/v1/apps/{id}/deployment).
        await RefuseWhileDeployedAsync(app, ct);

        await store.DeleteAsync(id, await audit.EntryAsync("app.delete", ObjectType, id, new { app.Name, app.Slug }, ct), ct);
    }

    /// <summary>The draft (Write: a Read grantee runs the published version and never sees the draft).</summary>
    public async Task<AppDraft> GetDraftAsync(Guid id, CancellationToken ct)
    {
        var (app, _) = await RequireAsync(id, PermissionLevel.Write, ct);
        return new AppDraft(AppGraph.FromJson(app.DraftJson), app.DraftRevision, app.DraftUpdatedAt);
    }

    /// <summary>
    /// Saves the draft when <paramref name="revision"/> is still the current one (409, <c>Apps.Error.DraftStale</c>, when
    /// someone saved in between). The graph may be incomplete (validation is for running and publishing), but its node
    /// ids must be usable. The first save is audited, then at most one save per <see cref="DraftAuditQuietPeriod"/> of editing.
    /// </summary>
    public async Task<AppDraft> SaveDraftAsync(Guid id, AppGraph graph, int revision, CancellationToken ct)
    {
        var (app, _) = await RequireAsync(id, PermissionLevel.Write, ct);
        var json = ValidDraft(graph);
        var now = time.GetUtcNow();
        var entry = revision == 0 || now - app.DraftUpdatedAt >= DraftAuditQuietPeriod
            ? await audit.EntryAsync("app.draft.save", ObjectType, id, new { revision = revision + 1, nodes = graph.Nodes.Count, edges = graph.Edges.Count }, ct)
            : null;
        if (!await store.SaveDraftAsync(id, json, revision, now, entry, ct))
        {
            throw StaleDraft(app.Slug);
        }

        return new AppDraft(AppGraph.FromJson(json), revision + 1, now);
    }

    /// <summary>Replaces the draft with another graph whatever its revision (a restored version), recorded as <paramref name="action"/>.</summary>
    internal async Task<AppDraft> ReplaceDraftAsync(App app, AppGraph graph, string action, object summary, CancellationToken ct)
    {
        var json = ValidDraft(graph);
        var now = time.GetUtcNow();
        var current = await store.FindAsync(app.Id, ct) ?? throw new NotFoundException("App", app.Id);
        if (!await store.SaveDraftAsync(app.Id, json, current.DraftRevision, now, await audit.EntryAsync(action, ObjectType, app.Id, summary, ct), ct))
        {
            throw StaleDraft(app.Slug);
        }

        return new AppDraft(graph, current.DraftRevision + 1, now);
    }

    /// <summary>The app as a YAML file: the draft, or version <paramref name="version"/> (Write either way: the file holds the whole graph).</summary>
    public async Task<(string FileName, string ContentType, string Content)> ExportAsync(Guid id, int? version, CancellationToken ct)
    {
        var (app, _) = await RequireAsync(id, PermissionLevel.Write, ct);
        var graph = version is { } n
            ? AppGraph.FromJson((await store.FindVersionAsync(id, n, ct) ?? throw new NotFoundException("App version", n)).GraphJson)
            : AppGraph.FromJson(app.DraftJson);
        var content = format.Write(new AppDocument(app.Name, app.Slug, app.Description, app.Kind, graph));
        return (version is { } v ? $"{app.Slug}-v{v}.yaml" : $"{app.Slug}.yaml", format.ContentType, content);
    }

    /// <summary>Creates a new app from an export file (apps.create); it keeps the file's slug when free, else the first free <c>slug-N</c>.</summary>
    public async Task<App> ImportAsync(string text, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.AppsCreate, ct);
        var document = format.Read(text ?? string.Empty);
        var slug = await FreeSlugAsync(SlugFrom(document.Slug, document.Name), ct);
        return await AddAsync(context, new AppInput(document.Name, slug, document.Description, document.Kind), document.Graph, "app.import", ct);
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } a ? new SecurableObject(ObjectType, a.Id, a.Name, a.OwnerId) : null;

    /// <summary>Slugs: 2–63 lower-case letters, digits and hyphens, starting with a letter or digit.</summary>
    public static bool IsValidSlug(string? slug) => slug is not null && SlugPattern().IsMatch(slug);

    private async Task<App> AddAsync(AccessContext context, AppInput input, AppGraph graph, string action, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var app = new App
        {
            Id = Guid.CreateVersion7(now),
            Name = ValidName(input.Name),
            Slug = await ValidSlugAsync(input.Slug, null, ct),
            Description = ValidDescription(input.Description),
            Kind = input.Kind,
            OwnerId = context.UserId,
            DraftJson = ValidDraft(graph),
            DraftUpdatedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.AddAsync(app, await audit.EntryAsync(action, ObjectType, app.Id, new { app.Name, app.Slug, app.Kind, nodes = graph.Nodes.Count }, ct), ct);
        return app;
    }

    /// <summary>A new app's draft: a start node joined to an end node (workflow) or an answer node (chat).</summary>
    private static AppGraph StarterGraph(AppKind kind)
    {
        var last = kind == AppKind.Chat ? AppNodeTypes.Answer : AppNodeTypes.End;
        return new AppGraph
        {
            Nodes = [new AppNode { Id = "start", Type = AppNodeTypes.Start, X = 80, Y = 200 }, new AppNode { Id = last, Type = last, X = 480, Y = 200 }],
            Edges = [new AppEdge { Source = "start", Target = last }],
        };
    }

    private static ConflictException StaleDraft(string slug) =>
        new($"The draft of '{slug}' was saved by someone else meanwhile; reload it and make the change again.") { MessageKey = "Apps.Error.DraftStale", MessageArguments = [slug] };

    private static string ValidDraft(AppGraph graph)
    {
        if (graph.Nodes.Count > MaxNodes)
        {
            throw new ValidationException("graph", $"An app has at most {MaxNodes} nodes.") { MessageKey = "Apps.Error.TooManyNodes", MessageArguments = [MaxNodes] };
        }

        foreach (var node in graph.Nodes)
        {
            if (!AppGraphValidator.IsValidNodeId(node.Id))
            {
                throw new ValidationException("graph", $"The node id '{node.Id}' is not valid: use 1 to 32 letters, digits and '_', starting with a letter ('sys' is reserved).") { MessageKey = "Apps.Error.NodeIdInvalid", MessageArguments = [node.Id ?? string.Empty] };
            }

            if (AppNodeCatalog.Find(node.Type) is null)
            {
                throw new ValidationException("graph", $"Node '{node.Id}' has an unknown type '{node.Type}'.") { MessageKey = "Apps.Error.NodeTypeUnknown", MessageArguments = [node.Id, node.Type ?? string.Empty] };
            }
        }

        if (graph.Nodes.GroupBy(n => n.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ValidationException("graph", $"Two nodes have the id '{twice.Key}'.") { MessageKey = "Apps.Error.NodeIdDuplicate", MessageArguments = [twice.Key] };
        }

        var json = graph.ToJson();
        return json.Length <= MaxDraftBytes
            ? json
            : throw new ValidationException("graph", $"The graph has more than {MaxDraftBytes} characters.") { MessageKey = "Apps.Error.GraphTooLarge", MessageArguments = [MaxDraftBytes] };
    }

    private static string ValidName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length is > 0 and <= 200
            ? trimmed
            : throw new ValidationException("name", "An app name has 1 to 200 characters.") { MessageKey = "Apps.Error.Name" };
    }

    private static string? ValidDescription(string? description) =>
        description is { Length: > 2000 }
            ? throw new ValidationException("description", "A description has at most 2000 characters.") { MessageKey = "Apps.Error.Description" }
            : string.IsNullOrWhiteSpace(description) ? null : description.Trim();

    private async Task<string> ValidSlugAsync(string? slug, Guid? except, CancellationToken ct)
    {
        var trimmed = slug?.Trim() ?? string.Empty;
        if (!IsValidSlug(trimmed))
        {
            throw new ValidationException("slug", "An app's address has 2 to 63 lower-case letters, digits and hyphens, and starts with a letter or digit.") { MessageKey = "Apps.Error.Slug", MessageArguments = [trimmed] };
        }

        return await store.SlugTakenAsync(trimmed, except, ct)
            ? throw new ConflictException($"The address '{trimmed}' is taken by another app.") { MessageKey = "Apps.Error.SlugTaken", MessageArguments = [trimmed] }
            : trimmed;
    }

    private async Task<string> FreeSlugAsync(string slug, CancellationToken ct)
    {
        if (!await store.SlugTakenAsync(slug, null, ct))
        {
            return slug;
        }

        for (var n = 2; n < 1000; n++)
        {
            var candidate = $"{slug[..Math.Min(slug.Length, 58)]}-{n}";
            if (!await store.SlugTakenAsync(candidate, null, ct))
            {
                return candidate;
            }
        }

        return $"{slug[..Math.Min(slug.Length, 50)]}-{Guid.NewGuid():N}"[..63];
    }

    /// <summary>The file's slug when valid, else one made from the name (<c>My App!</c> → <c>my-app</c>), else <c>app</c>.</summary>
    internal static string SlugFrom(string? slug, string? name)
    {
        if (IsValidSlug(slug?.Trim()))
        {
            return slug!.Trim();
        }

        var made = NotSlug().Replace((name ?? string.Empty).ToLowerInvariant(), "-").Trim('-');
        made = made.Length > 50 ? made[..50].TrimEnd('-') : made;
        return IsValidSlug(made) ? made : "app";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();

    // i18/k8s
    private async Task RefuseWhileDeployedAsync(App app, CancellationToken ct)
    {
        if (await deployments.FindAsync(app.Id, ct) is not null)
        {
            throw new ConflictException($"The app '{app.Slug}' is deployed to Kubernetes: remove its deployment before deleting it.") { MessageKey = "Apps.Error.DeleteWhileDeployed", MessageArguments = [app.Slug] };
        }
    }
}
