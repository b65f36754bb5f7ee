using AiPlatform.Core.Apps;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Apps;

/// <summary>An app's secrets for HTTP nodes' headers (Manage): list names and hosts, set, delete; values are never returned.</summary>
public static class AppSecretEndpoints
{
    public static RouteGroupBuilder MapAppSecretEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apps/{id:guid}/secrets").WithTags("Apps");
        group.MapGet("/", ListAsync).WithName("ListAppSecrets").WithSummary("The app's secrets by name with the hosts they may be sent to (Manage); never their values.");
        group.MapPut("/{name}", SetAsync).WithName("SetAppSecret")
            .WithSummary("Sets a secret (Manage): `value` (write-only; leave it out to keep the value and change only the hosts) and `hosts` it may be sent to (api.example.com, or .example.com). HTTP nodes send it in a header as {{secret.NAME}}.");
        group.MapDelete("/{name}", DeleteAsync).WithName("DeleteAppSecret").WithSummary("Deletes a secret (Manage); HTTP nodes that use it fail until it is set again.");
        return group;
    }

    static async Task<Ok<IReadOnlyList<AppSecretView>>> ListAsync(Guid id, AppSecretService secrets, CancellationToken ct) =>
        TypedResults.Ok(await secrets.ListAsync(id, ct));

    static async Task<Ok<AppSecretView>> SetAsync(Guid id, string name, AppSecretRequest body, AppSecretService secrets, CancellationToken ct) =>
        TypedResults.Ok(await secrets.SetAsync(id, name, new AppSecretInput(body.Value, body.Hosts), ct));

    static async Task<NoContent> DeleteAsync(Guid id, string name, AppSecretService secrets, CancellationToken ct)
    {
        await secrets.DeleteAsync(id, name, ct);
        return TypedResults.NoContent();
    }
}

public sealed record AppSecretRequest(string? Value, IReadOnlyList<string>? Hosts);
