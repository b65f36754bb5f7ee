using AiPlatform.Core.Apps;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Apps;

/// <summary>An app's API keys (Manage): list, create (the secret is in the answer once), revoke.</summary>
public static class AppKeyEndpoints
{
    public static RouteGroupBuilder MapAppKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apps/{id:guid}/keys").WithTags("Apps");
        group.MapGet("/", ListAsync).WithName("ListAppKeys").WithSummary("The app's API keys, newest first (Manage); never their secrets.");
        group.MapPost("/", CreateAsync).WithName("CreateAppKey")
            .WithSummary("Creates an API key (Manage): the answer's `key` (aipk_…) is shown this once; send it as Authorization: Bearer on POST /api/v1/apps/{slug}/run.");
        group.MapDelete("/{keyId:guid}", RevokeAsync).WithName("RevokeAppKey").WithSummary("Revokes the key (Manage); it fails at once.");
        return group;
    }

    static async Task<Ok<IReadOnlyList<AppKeyView>>> ListAsync(Guid id, AppKeyService keys, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<AppKeyView>>([.. (await keys.ListAsync(id, ct)).Select(AppKeyView.From)]);

    static async Task<Created<AppKeyCreatedView>> CreateAsync(Guid id, AppKeyRequest body, AppKeyService keys, CancellationToken ct)
    {
        var created = await keys.CreateAsync(id, new AppKeyInput(body.Name ?? string.Empty, body.RateLimitPerMinute, body.DailyTokenBudget), ct);
        return TypedResults.Created($"/api/v1/apps/{id}/keys/{created.Key.Id}", new AppKeyCreatedView(AppKeyView.From(created.Key), created.Secret));
    }

    static async Task<Ok<AppKeyView>> RevokeAsync(Guid id, Guid keyId, AppKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(AppKeyView.From(await keys.RevokeAsync(id, keyId, ct)));
}

public sealed record AppKeyRequest(string? Name, int? RateLimitPerMinute, long? DailyTokenBudget);

public sealed record AppKeyView(Guid Id, Guid AppId, string Name, string Prefix, int? RateLimitPerMinute, long? DailyTokenBudget, Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static AppKeyView From(AppApiKey k) => new(k.Id, k.AppId, k.Name, k.Prefix, k.RateLimitPerMinute, k.DailyTokenBudget, k.CreatedBy, k.CreatedAt, k.RevokedAt, k.LastUsedAt);
}

/// <summary>A new key: <see cref="Key"/> is the secret, shown this once.</summary>
public sealed record AppKeyCreatedView(AppKeyView Info, string Key);
