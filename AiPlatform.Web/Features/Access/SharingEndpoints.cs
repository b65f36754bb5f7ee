using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Projects;

namespace AiPlatform.Web.Features.Access;

public static class SharingEndpoints
{
    /// <summary>Maps <c>{id}/grants</c> (list, grant, revoke) under an object's route group; one implementation for every securable type.</summary>
    public static RouteGroupBuilder MapGrantEndpoints(this RouteGroupBuilder group, string objectType, string noun)
    {
        group.MapGet("/{id:guid}/grants", async (Guid id, SharingService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(objectType, id, ct))).WithName($"List{noun}Grants");
        group.MapPost("/{id:guid}/grants", async (Guid id, GrantRequest body, SharingService s, CancellationToken ct) =>
            TypedResults.Ok(await s.GrantAsync(objectType, id, body.PrincipalType, body.PrincipalId, body.Level, ct)))
            .WithName($"Grant{noun}").WithSummary("Gives a user or group Read, Write or Manage; replaces their earlier grant.");
        group.MapDelete("/{id:guid}/grants/{grantId:guid}", async (Guid id, Guid grantId, SharingService s, CancellationToken ct) =>
        {
            await s.RevokeAsync(objectType, id, grantId, ct);
            return TypedResults.NoContent();
        }).WithName($"Revoke{noun}Grant");
        return group;
    }
}
