using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Apps;

/// <summary>Apps: CRUD, the draft, validation, publishing and versions, export/import, runs, and the published run endpoint.</summary>
public static class AppEndpoints
{
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static RouteGroupBuilder MapAppEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apps").WithTags("Apps");
        group.MapGet("/", ListAsync).WithName("ListApps").WithSummary("Apps the caller may read, newest change first; q searches names, addresses and descriptions.");
        group.MapPost("/", CreateAsync).WithName("CreateApp").WithSummary("Creates an app (apps.create) with a starter draft: start → end (workflow) or start → answer (chat).");
        group.MapPost("/import", ImportAsync).WithName("ImportApp").WithSummary("Creates an app from an exported YAML file (the request body); its address is the file's when free, else the first free slug-N.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetApp");
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateApp").WithSummary("Changes the name, address (slug), description and kind (Manage).");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteApp").WithSummary("Deletes the app with its versions, runs and grants (Manage).");
        group.MapGet("/{id:guid}/draft", GetDraftAsync).WithName("GetAppDraft").WithSummary("The draft graph and its revision (Write).");
        group.MapPut("/{id:guid}/draft", SaveDraftAsync).WithName("SaveAppDraft").WithSummary("Saves the draft when revision is still current; 409 (Apps.Error.DraftStale) when someone saved in between.");
        group.MapPost("/{id:guid}/validate", ValidateAsync).WithName("ValidateApp").WithSummary("What is wrong with the draft (or the graph in the body), by node; empty when it may be published.");
        group.MapPost("/{id:guid}/publish", PublishAsync).WithName("PublishApp").WithSummary("Publishes the draft as the next version (Manage); 400 naming the node when the graph is invalid or names something the publisher cannot read.");
        group.MapGet("/{id:guid}/versions", ListVersionsAsync).WithName("ListAppVersions");
        group.MapGet("/{id:guid}/versions/diff", DiffAsync).WithName("DiffAppVersions").WithSummary("Nodes and edges added, removed and changed from version `from` to version `to` (or `to=draft`).");
        group.MapGet("/{id:guid}/versions/{number:int}", GetVersionAsync).WithName("GetAppVersion");
        group.MapPost("/{id:guid}/versions/{number:int}/restore", RestoreAsync).WithName("RestoreAppVersion").WithSummary("Makes the version's graph the draft (Write); the published version does not change.");
        group.MapPost("/{id:guid}/rollback", RollbackAsync).WithName("RollbackApp").WithSummary("Points the app back at an older version (Manage); the caller becomes the publisher whose rights runs use.");
        group.MapGet("/{id:guid}/export", ExportAsync).WithName("ExportApp").WithSummary("The draft (or ?version=N) as a YAML file.");
        group.MapGet("/{id:guid}/runs", ListRunsAsync).WithName("ListAppRuns").WithSummary("Runs, newest first: all for Write and above, only the caller's own for Read.");
        group.MapGet("/{id:guid}/runs/{runId:guid}", GetRunAsync).WithName("GetAppRun");
        group.MapPost("/{id:guid}/runs/{runId:guid}/cancel", CancelRunAsync).WithName("CancelAppRun").WithSummary("Cancels a run going on (its caller, or Write on the app).");
        group.MapPost("/{id:guid}/draft/run", RunDraftAsync).Produces<AppRunResultView>(StatusCodes.Status200OK, "application/json", "text/event-stream").WithName("RunAppDraft").WithSummary("Runs the draft with the caller's rights (Write); stream=true or Accept: text/event-stream sends Server-Sent Events.");
        group.MapPost("/{id:guid}/draft/nodes/{nodeId}/run", RunNodeAsync).WithName("RunAppNode").WithSummary("Runs one node of the draft with the given variables standing in for its upstream nodes' outputs (Write).");
        group.MapGet("/{slug}/published", GetPublishedAsync).WithName("GetPublishedApp").WithSummary("The published version's name, kind and input fields (Read).");
        group.MapPost("/{slug}/run", RunPublishedAsync)
            .RequireAuthorization(AiPlatform.Web.Security.AppKeyAuthenticationHandler.RunPolicy)
            .Produces<AppRunResultView>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .WithName("RunApp")
            .WithSummary("Runs the published version (Read) with its publisher's rights. JSON {runId, status, outputs, answer, conversationId, error, errorNode, traceId, usage}; with stream=true or Accept: text/event-stream, Server-Sent Events node_started, node_finished, answer_delta and done (the same JSON).");
        group.MapGrantEndpoints(SecurableTypes.App, "App");
        return group;
    }

    // i18/k8s: the app-runner role maps only this route (WebHostExtensions.MapAppRunner).
    public static RouteHandlerBuilder MapAppRunEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/apps/{slug}/run", RunPublishedAsync)
            .RequireAuthorization(AiPlatform.Web.Security.AppKeyAuthenticationHandler.RunPolicy)
            .WithTags("Apps")
            .Produces<AppRunResultView>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .WithName("RunApp");

    static async Task<Ok<Paged<AppView>>> ListAsync(AppService apps, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null)
    {
        var request = paging.ToRequest();
        var result = await apps.ListAsync(q, request, ct);
        return TypedResults.Ok(Paged<AppView>.Of([.. result.Items.Select(a => AppView.From(a, null))], result.TotalCount, request));
    }

    static async Task<Created<AppView>> CreateAsync(AppRequest body, AppService apps, CancellationToken ct)
    {
        var created = await apps.CreateAsync(body.ToInput(), ct);
        return TypedResults.Created($"/api/v1/apps/{created.Id}", AppView.From(created, PermissionLevel.Manage));
    }

    static async Task<Created<AppView>> ImportAsync(HttpRequest request, AppService apps, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[AppService.MaxDraftBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        if (read > AppService.MaxDraftBytes)
        {
            throw new Core.Common.ValidationException("document", "The file is too large.") { MessageKey = "Apps.Error.DocumentTooLarge" };
        }

        var created = await apps.ImportAsync(new string(buffer, 0, read), ct);
        return TypedResults.Created($"/api/v1/apps/{created.Id}", AppView.From(created, PermissionLevel.Manage));
    }

    static async Task<Ok<AppView>> GetAsync(Guid id, AppService apps, CancellationToken ct)
    {
        var (found, level) = await apps.GetAsync(id, ct);
        return TypedResults.Ok(AppView.From(found, level));
    }

    static async Task<Ok<AppView>> UpdateAsync(Guid id, AppRequest body, AppService apps, CancellationToken ct)
    {
        var updated = await apps.UpdateAsync(id, body.ToInput(), ct);
        return TypedResults.Ok(AppView.From(updated, PermissionLevel.Manage));
    }

    static async Task<NoContent> DeleteAsync(Guid id, AppService apps, CancellationToken ct)
    {
        await apps.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<AppDraft>> GetDraftAsync(Guid id, AppService apps, CancellationToken ct) => TypedResults.Ok(await apps.GetDraftAsync(id, ct));

    static async Task<Ok<AppDraft>> SaveDraftAsync(Guid id, DraftRequest body, AppService apps, CancellationToken ct) =>
        TypedResults.Ok(await apps.SaveDraftAsync(id, body.Graph ?? new AppGraph(), body.Revision, ct));

    static async Task<Ok<ValidationView>> ValidateAsync(Guid id, HttpRequest request, AppVersionService versions, CancellationToken ct)
    {
        var body = await OptionalBodyAsync<ValidateRequest>(request, ct);
        var issues = await versions.ValidateAsync(id, body?.Graph, ct);
        return TypedResults.Ok(new ValidationView(issues.Count == 0, issues));
    }

    static async Task<Created<AppVersionView>> PublishAsync(Guid id, HttpRequest request, AppVersionService versions, CancellationToken ct)
    {
        var body = await OptionalBodyAsync<PublishRequest>(request, ct);
        var version = await versions.PublishAsync(id, body?.Message, ct);
        return TypedResults.Created($"/api/v1/apps/{id}/versions/{version.Number}", AppVersionView.From(version, true));
    }

    static async Task<Ok<IReadOnlyList<AppVersionView>>> ListVersionsAsync(Guid id, AppService apps, AppVersionService versions, CancellationToken ct)
    {
        var list = await versions.ListAsync(id, ct);
        var (found, _) = await apps.GetAsync(id, ct);
        return TypedResults.Ok<IReadOnlyList<AppVersionView>>([.. list.Select(v => AppVersionView.From(v, v.Id == found.PublishedVersionId))]);
    }

    static async Task<Ok<AppVersionDetail>> GetVersionAsync(Guid id, int number, AppService apps, AppVersionService versions, CancellationToken ct)
    {
        var version = await versions.GetAsync(id, number, ct);
        var (found, _) = await apps.GetAsync(id, ct);
        return TypedResults.Ok(new AppVersionDetail(AppVersionView.From(version, version.Id == found.PublishedVersionId), AppGraph.FromJson(version.GraphJson)));
    }

    static async Task<Ok<AppGraphDiff>> DiffAsync(Guid id, int from, string? to, AppVersionService versions, CancellationToken ct)
    {
        int? target = to is null or "draft" ? null
            : int.TryParse(to, out var n) ? n
            : throw new Core.Common.ValidationException("to", "to is a version number or 'draft'.") { MessageKey = "Apps.Error.DiffTarget" };
        return TypedResults.Ok(await versions.DiffAsync(id, from, target, ct));
    }

    static async Task<Ok<AppDraft>> RestoreAsync(Guid id, int number, AppVersionService versions, CancellationToken ct) => TypedResults.Ok(await versions.RestoreAsync(id, number, ct));

    static async Task<Ok<AppView>> RollbackAsync(Guid id, RollbackRequest body, AppVersionService versions, CancellationToken ct) =>
        TypedResults.Ok(AppView.From(await versions.RollbackAsync(id, body.Version, ct), PermissionLevel.Manage));

    static async Task<FileContentHttpResult> ExportAsync(Guid id, AppService apps, CancellationToken ct, int? version = null)
    {
        var (fileName, contentType, content) = await apps.ExportAsync(id, version, ct);
        return TypedResults.File(Encoding.UTF8.GetBytes(content), contentType, fileName);
    }

    static async Task<Ok<Paged<AppRunView>>> ListRunsAsync(Guid id, AppRunService runs, [AsParameters] PageQuery paging, CancellationToken ct, int? version = null, Guid? conversationId = null, bool draft = false)
    {
        var request = paging.ToRequest();
        var result = await runs.ListAsync(id, version, conversationId, draft, request, ct);
        return TypedResults.Ok(Paged<AppRunView>.Of([.. result.Items.Select(r => AppRunView.From(r, false))], result.TotalCount, request));
    }

    static async Task<Ok<AppRunView>> GetRunAsync(Guid id, Guid runId, AppRunService runs, CancellationToken ct) => TypedResults.Ok(AppRunView.From(await runs.GetAsync(id, runId, ct), true));

    static async Task<Accepted<AppRunView>> CancelRunAsync(Guid id, Guid runId, AppRunService runs, CancellationToken ct) =>
        TypedResults.Accepted($"/api/v1/apps/{id}/runs/{runId}", AppRunView.From(await runs.CancelAsync(id, runId, ct), false));

    static Task<IResult> RunDraftAsync(Guid id, RunRequest body, HttpContext http, AppRunService runs) =>
        RespondAsync(http, body.Stream, onEvent => runs.RunDraftAsync(id, body.ToInput(), onEvent, http.RequestAborted), nodeDetails: true);

    static async Task<Ok<AppRunView>> RunNodeAsync(Guid id, string nodeId, HttpRequest request, AppRunService runs, CancellationToken ct) =>
        TypedResults.Ok(AppRunView.From(await runs.RunNodeAsync(id, nodeId, (await OptionalBodyAsync<NodeRunRequest>(request, ct))?.Variables, ct), true));

    /// <summary>A JSON body the route may also be called without (no body, or no JSON content type).</summary>
    private static async Task<T?> OptionalBodyAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        if (!request.HasJsonContentType() || request.ContentLength == 0)
        {
            return null;
        }

        try
        {
            return await request.ReadFromJsonAsync<T>(ct);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"The body is not valid JSON: {e.Message}");
        }
    }

    static async Task<Ok<AppPublishedView>> GetPublishedAsync(string slug, AppService apps, CancellationToken ct) => TypedResults.Ok(await apps.GetPublishedAsync(slug, ct));

    static async Task<IResult> RunPublishedAsync(string slug, RunRequest body, HttpContext http, AppService apps, AppRunService runs)
    {
        if (AiPlatform.Web.Security.AppKeyAuthenticationHandler.KeyOf(http.User) is { } keyId)
        {
            // An API key's run is redacted like a reader's (AppRunService.RunWithKeyAsync): node events carry no data.
            return await RespondAsync(http, body.Stream, onEvent => http.RequestServices.GetRequiredService<AppKeyService>().RunAsync(keyId, slug, body.ToInput(), AppRunSources.Api, onEvent, http.RequestAborted), false);
        }

        // Below Write the node events name the node and how it ended, nothing it read or wrote (AppRunService redacts them too).
        var (_, level) = await apps.RequireBySlugAsync(slug, PermissionLevel.Read, http.RequestAborted);
        return await RespondAsync(http, body.Stream, onEvent => runs.RunPublishedAsync(slug, body.ToInput(), AppRunSources.Api, onEvent, http.RequestAborted), level >= PermissionLevel.Write);
    }

    /// <summary>
    /// A run's answer: JSON when it ended, or with streaming, Server-Sent Events while it runs (node_started,
    /// node_finished, answer_delta) and <c>done</c> with the same JSON last. Refusals before the run starts stay problems.
    /// </summary>
    private static async Task<IResult> RespondAsync(HttpContext http, bool stream, Func<Func<AppRunEvent, ValueTask>?, Task<AppRun>> run, bool nodeDetails)
    {
        if (!stream && !http.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Ok(AppRunResultView.From(await run(null)));
        }

        var gate = new SemaphoreSlim(1, 1);
        var started = false;
        async ValueTask SendAsync(string name, object data)
        {
            await gate.WaitAsync(http.RequestAborted);
            try
            {
                if (!started)
                {
                    http.Response.ContentType = "text/event-stream";
                    http.Response.Headers.CacheControl = "no-cache";
                    started = true;
                }

                await http.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, EventJson)}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
            finally
            {
                gate.Release();
            }
        }

        var result = await run(e => e.Kind switch
        {
            AppRunEventKind.NodeStarted => SendAsync("node_started", new { nodeId = e.NodeId }),
            AppRunEventKind.NodeFinished => nodeDetails
                ? SendAsync("node_finished", new { nodeId = e.NodeId, node = e.Node })
                : SendAsync("node_finished", new { nodeId = e.NodeId, status = e.Node?.Status, durationMs = e.Node?.DurationMs }),
            _ => SendAsync("answer_delta", new { nodeId = e.NodeId, text = e.Text }),
        });
        if (!http.RequestAborted.IsCancellationRequested)
        {
            await SendAsync("done", AppRunResultView.From(result));
        }

        return Results.Empty;
    }
}

public sealed record AppRequest(string? Name, string? Slug, string? Description, AppKind Kind = AppKind.Workflow)
{
    public AppInput ToInput() => new(Name, Slug, Description, Kind);
}

public sealed record DraftRequest(AppGraph? Graph, int Revision);

public sealed record ValidateRequest(AppGraph? Graph);

public sealed record PublishRequest(string? Message);

public sealed record RollbackRequest(int Version);

/// <param name="Stream">Server-Sent Events instead of one JSON answer (also with <c>Accept: text/event-stream</c>).</param>
public sealed record RunRequest(JsonObject? Inputs, string? Query, Guid? ConversationId, bool Stream = false)
{
    public AppRunInput ToInput() => new(Inputs, Query, ConversationId);
}

public sealed record NodeRunRequest(JsonObject? Variables);

public sealed record ValidationView(bool Valid, IReadOnlyList<AppGraphProblem> Issues);

/// <summary>An app; <see cref="Permission"/> is the caller's level on it (left out in lists).</summary>
public sealed record AppView(
    Guid Id,
    string Slug,
    string Name,
    string? Description,
    AppKind Kind,
    Guid OwnerId,
    int DraftRevision,
    DateTimeOffset DraftUpdatedAt,
    Guid? PublishedVersionId,
    Guid? PublishedBy,
    DateTimeOffset? PublishedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    PermissionLevel? Permission)
{
    public static AppView From(App a, PermissionLevel? level) =>
        new(a.Id, a.Slug, a.Name, a.Description, a.Kind, a.OwnerId, a.DraftRevision, a.DraftUpdatedAt, a.PublishedVersionId, a.PublishedBy, a.PublishedAt, a.CreatedAt, a.UpdatedAt, level);
}

public sealed record AppVersionView(Guid Id, int Number, string? Message, Guid CreatedBy, DateTimeOffset CreatedAt, bool Published)
{
    public static AppVersionView From(AppVersion v, bool published) => new(v.Id, v.Number, v.Message, v.CreatedBy, v.CreatedAt, published);
}

public sealed record AppVersionDetail(AppVersionView Version, AppGraph Graph);

public sealed record AppRunUsage(long PromptTokens, long CompletionTokens);

/// <summary>What a run returns to its caller (sync JSON, and the SSE <c>done</c> event).</summary>
public sealed record AppRunResultView(Guid RunId, AppRunStatus Status, JsonNode? Outputs, string? Answer, Guid? ConversationId, string? Error, string? ErrorKey, string? ErrorNode, string? TraceId, AppRunUsage Usage)
{
    public static AppRunResultView From(AppRun r) =>
        new(r.Id, r.Status, r.OutputsJson is null ? null : JsonNode.Parse(r.OutputsJson), r.Answer, r.ConversationId, r.Error, r.ErrorKey, r.ErrorNodeId, r.TraceId, new AppRunUsage(r.PromptTokens, r.CompletionTokens));
}

/// <summary>A recorded run; <see cref="Nodes"/> (the node executions) only in a single run's view.</summary>
public sealed record AppRunView(
    Guid Id,
    Guid AppId,
    int? Version,
    string Source,
    Guid CallerId,
    Guid RunAsId,
    Guid? ConversationId,
    AppRunStatus Status,
    JsonNode? Inputs,
    JsonNode? Outputs,
    string? Query,
    string? Answer,
    string? Error,
    string? ErrorKey,
    JsonNode? ErrorArguments,
    string? ErrorNode,
    string? TraceId,
    JsonNode? Nodes,
    AppRunUsage Usage,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs)
{
    public static AppRunView From(AppRun r, bool withNodes) => new(
        r.Id, r.AppId, r.VersionNumber, r.Source, r.CallerId, r.RunAsId, r.ConversationId, r.Status,
        JsonNode.Parse(r.InputsJson), r.OutputsJson is null ? null : JsonNode.Parse(r.OutputsJson), r.Query, r.Answer, r.Error, r.ErrorKey,
        r.ErrorArguments is null ? null : JsonNode.Parse(r.ErrorArguments), r.ErrorNodeId, r.TraceId, withNodes ? JsonNode.Parse(r.NodesJson) : null,
        new AppRunUsage(r.PromptTokens, r.CompletionTokens), r.StartedAt, r.EndedAt, r.DurationMs);
}
