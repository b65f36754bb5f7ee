using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The sub-app node: the published version of another app (by slug) that the user this run acts as may read, run
/// through the engine with its inputs (an object of templates) and query, one level deeper (refused beyond
/// <c>Apps:MaxSubAppDepth</c>, so apps cannot call each other forever). The sub-app runs with the rights of its own
/// publisher, the user whose rights it was published with, re-checked now. Outputs <c>outputs</c> and <c>answer</c>.
/// </summary>
/// <remarks>
/// The engine and the app store are taken from the container when the node runs: the engine is itself built from the
/// executors, and a container that runs no apps need not hold a store.
/// </remarks>
public sealed class SubAppNode(AccessService access, AppSettings settings, IServiceProvider services) : IAppNodeExecutor
{
    /// <summary>The setting a publish writes into a version's sub-app node: the id of the app its slug named then.</summary>
    public const string PinnedAppId = "appId";

    public string Type => AppNodeTypes.SubApp;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var slug = ServiceNodeConfig.RequiredText(node, "app").ToLowerInvariant();
        var maxDepth = settings.MaxSubAppDepth;
        var depth = context.Request.Depth + 1;
        if (depth > maxDepth)
        {
            throw new ValidationException("app", $"Node '{node.Id}': apps call each other more than {maxDepth} levels deep (Apps:MaxSubAppDepth).") { MessageKey = "Apps.Error.SubAppTooDeep", MessageArguments = [node.Id, maxDepth] };
        }

        var apps = services.GetRequiredService<IAppStore>();
        App? app;
        if (AppNodeCatalog.GetString(node.Config, PinnedAppId) is { } pinned && Guid.TryParse(pinned, out var appId))
        {
            // Pinned at publish: the id wins; the slug is only a label (it may since name another app).
            app = await apps.FindAsync(appId, ct);
        }
        else if (context.Request.Version is null)
        {
            // Draft and node runs resolve the slug as it is now.
            app = await apps.FindBySlugAsync(slug, ct);
        }
        else
        {
            throw new ValidationException("app", $"Node '{node.Id}': this version names the app '{slug}' only by its slug; publish the app again.") { MessageKey = "Apps.Error.SubAppNotPinned", MessageArguments = [node.Id, slug] };
        }

        if (app is null || await access.GetLevelAsync(SecurableTypes.App, app.Id, app.OwnerId, ct) is null)
        {
            throw new NotFoundException("App", slug) { MessageKey = "Apps.Error.SubAppNotFound", MessageArguments = [node.Id, slug] };
        }

        slug = app.Slug;

        var version = app.PublishedVersionId is { } versionId ? await apps.FindVersionAsync(versionId, ct) : null;
        if (version is null || app.PublishedBy is not { } publisherId)
        {
            throw new ValidationException("app", $"Node '{node.Id}': the app '{slug}' has no published version.") { MessageKey = "Apps.Error.SubAppNotPublished", MessageArguments = [node.Id, slug] };
        }

        var publisher = await access.FindActiveUserAsync(publisherId, ct);
        if (publisher is null)
        {
            throw new ValidationException("app", $"Node '{node.Id}': the app '{slug}' was published by a user who can no longer run it; publish it again.") { MessageKey = "Apps.Error.SubAppPublisherGone", MessageArguments = [node.Id, slug] };
        }

        var graph = AppGraph.FromJson(version.GraphJson);
        var asking = context.Request.Caller ?? context.Request.RunAs;
        if (asking.ReadOnly && AppWrites.FindWriter(graph) is { } writer)
        {
            // Checked before a published run starts too (AppWrites.FindWriterAsync); this catches a sub-app published since.
            var named = $"{node.Id} → {slug}/{writer}";
            throw new ForbiddenException($"A read-only token cannot run this app: its node '{named}' sends requests that may change data.") { MessageKey = "Apps.Error.ReadOnlyWrites", MessageArguments = [named] };
        }

        var inputs = ServiceNodeConfig.Object(node, "inputs") is { } templates ? ServiceNodeConfig.Value(context, templates) as JsonObject ?? [] : [];
        var queryTemplate = ServiceNodeConfig.Text(node, "query");
        // A chat sub-app without a query of its own answers the question this run was asked.
        var query = !string.IsNullOrWhiteSpace(queryTemplate) ? context.Render(queryTemplate) : app.Kind == AppKind.Chat ? context.Request.Query : null;
        var request = new AppRunRequest(app, graph, version, (JsonObject)inputs.DeepClone(), new CallerIdentity(publisher.UserId, publisher.UserName), AppRunSources.SubApp)
        {
            Query = query,
            Depth = depth,
            // The user who asked for the outer run is still the one asking ({{sys.user}} in the sub-app).
            Caller = context.Request.Caller ?? context.Request.RunAs,
            // One budget for the whole run: the sub-app's nodes count against the caller's executions and parallel slots.
            Budget = context.Request.Budget,
        };

        AppRunResult result;
        using (ActingCaller.Begin(request.RunAs))
        {
            result = await services.GetRequiredService<IAppEngine>().RunAsync(request, null, ct);
        }

        var shown = new JsonObject { ["app"] = slug, ["version"] = version.Number, ["inputs"] = inputs.DeepClone(), ["query"] = query, ["depth"] = depth };
        context.Span.SetAttribute("app.subApp", slug);
        if (result.Status == AppRunStatus.Cancelled)
        {
            ct.ThrowIfCancellationRequested();
        }

        if (result.Status != AppRunStatus.Succeeded)
        {
            var error = result.Error ?? result.Status.ToString();
            throw new ValidationException("app", $"Node '{node.Id}': the app '{slug}' failed at its node '{result.ErrorNodeId}': {error}")
            {
                MessageKey = "Apps.Error.SubAppFailed",
                MessageArguments = [node.Id, slug, result.ErrorNodeId ?? string.Empty, error],
            };
        }

        var outputs = new JsonObject { ["outputs"] = result.Outputs.DeepClone(), ["answer"] = result.Answer };
        context.Span.SetAttribute("app.subAppTraceId", result.TraceId);
        return new NodeOutcome(outputs) { Inputs = shown, PromptTokens = result.PromptTokens, CompletionTokens = result.CompletionTokens };
    }
}
