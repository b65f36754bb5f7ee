using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Access;

public static class SharingEndpoints
{
    /// <summary>Maps <c>{id}/grants</c> (list, grant, revoke) under an object's route group; one implementation for every securable type.</summary>
    public static RouteGroupBuilder MapGrantEndpoints(this RouteGroupBuilder group, string objectType, string noun)
    {
        var target = new GrantTarget(objectType);
        group.MapGet("/{id:guid}/grants", ListAsync).WithMetadata(target).WithName($"List{noun}Grants");
        group.MapPost("/{id:guid}/grants", GrantAsync).WithMetadata(target)
            .WithName($"Grant{noun}").WithSummary("Gives a user or group Read, Write or Manage; replaces their earlier grant.");
        group.MapDelete("/{id:guid}/grants/{grantId:guid}", RevokeAsync).WithMetadata(target).WithName($"Revoke{noun}Grant");
        return group;
    }

    static async Task<Ok<IReadOnlyList<GrantView>>> ListAsync(Guid id, HttpContext http, SharingService sharing, CancellationToken ct) =>
        TypedResults.Ok(await sharing.ListAsync(ObjectType(http), id, ct));

    static async Task<Ok<GrantView>> GrantAsync(Guid id, GrantRequest body, HttpContext http, SharingService sharing, CancellationToken ct) =>
        TypedResults.Ok(await sharing.GrantAsync(ObjectType(http), id, body.PrincipalType, body.PrincipalId, body.Level, ct));

    static async Task<NoContent> RevokeAsync(Guid id, Guid grantId, HttpContext http, SharingService sharing, CancellationToken ct)
    {
        await sharing.RevokeAsync(ObjectType(http), id, grantId, ct);
        return TypedResults.NoContent();
    }

    /// <summary>The securable type the matched grant endpoint was mapped for.</summary>
    private static string ObjectType(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<GrantTarget>()?.ObjectType ?? throw new InvalidOperationException("A grant endpoint was mapped without its object type.");

    /// <summary>Endpoint metadata: which securable type a grant endpoint manages.</summary>
    private sealed record GrantTarget(string ObjectType);
}
