using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Admin;

/// <summary>Users, roles, groups and the audit trail. The services check the capabilities; the route groups check them first too.</summary>
public static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/capabilities", () => TypedResults.Ok(Capabilities.All)).WithTags("Roles").WithName("ListCapabilities");

        var users = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(CapabilityPolicyProvider.For(Capabilities.UsersManage));
        users.MapGet("/", ListUsersAsync).WithName("ListUsers");
        users.MapPost("/", CreateUserAsync).WithName("CreateUser");
        users.MapGet("/{id:guid}", async (Guid id, UserAdminService s, CancellationToken ct) => TypedResults.Ok(await s.GetAsync(id, ct))).WithName("GetUser");
        users.MapPost("/{id:guid}/disable", async (Guid id, UserAdminService s, CancellationToken ct) => { await s.SetDisabledAsync(id, true, ct); return TypedResults.NoContent(); }).WithName("DisableUser");
        users.MapPost("/{id:guid}/enable", async (Guid id, UserAdminService s, CancellationToken ct) => { await s.SetDisabledAsync(id, false, ct); return TypedResults.NoContent(); }).WithName("EnableUser");
        users.MapPost("/{id:guid}/reset-mfa", async (Guid id, UserAdminService s, CancellationToken ct) => { await s.ResetMfaAsync(id, ct); return TypedResults.NoContent(); }).WithName("ResetUserMfa");
        users.MapPost("/{id:guid}/password", async (Guid id, SetPasswordRequest body, UserAdminService s, CancellationToken ct) => { await s.SetPasswordAsync(id, body.Password ?? string.Empty, ct); return TypedResults.NoContent(); }).WithName("ResetUserPassword");
        users.MapGet("/{id:guid}/roles", async (Guid id, UserAdminService s, CancellationToken ct) => TypedResults.Ok(await s.GetRoleIdsAsync(id, ct))).WithName("GetUserRoles");
        users.MapPut("/{id:guid}/roles", async (Guid id, RoleIdsRequest body, UserAdminService s, CancellationToken ct) => { await s.SetRolesAsync(id, body.RoleIds ?? [], ct); return TypedResults.NoContent(); }).WithName("SetUserRoles");
        users.MapGet("/{id:guid}/permissions", async (Guid id, PermissionsService s, CancellationToken ct) => TypedResults.Ok(await s.DescribeAsync(id, ct))).WithName("GetUserPermissions");

        var roles = app.MapGroup("/api/v1/roles").WithTags("Roles");
        roles.MapGet("/", async (RoleService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct))).WithName("ListRoles");
        roles.MapPost("/", async (RoleRequest body, RoleService s, CancellationToken ct) =>
        {
            var role = await s.CreateAsync(body.Name ?? string.Empty, body.Description, body.Capabilities ?? [], ct);
            return TypedResults.Created($"/api/v1/roles/{role.Id}", role);
        }).WithName("CreateRole");
        roles.MapPut("/{id:guid}", async (Guid id, RoleRequest body, RoleService s, CancellationToken ct) => TypedResults.Ok(await s.UpdateAsync(id, body.Name ?? string.Empty, body.Description, body.Capabilities ?? [], ct))).WithName("UpdateRole");
        roles.MapDelete("/{id:guid}", async (Guid id, RoleService s, CancellationToken ct) => { await s.DeleteAsync(id, ct); return TypedResults.NoContent(); }).WithName("DeleteRole");

        var groups = app.MapGroup("/api/v1/groups").WithTags("Groups");
        groups.MapGet("/", async (GroupService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct))).WithName("ListGroups");
        groups.MapPost("/", async (GroupRequest body, GroupService s, CancellationToken ct) =>
        {
            var group = await s.CreateAsync(body.Name ?? string.Empty, body.Description, ct);
            return TypedResults.Created($"/api/v1/groups/{group.Id}", group);
        }).WithName("CreateGroup");
        groups.MapGet("/{id:guid}", async (Guid id, GroupService s, CancellationToken ct) => TypedResults.Ok(await s.GetAsync(id, ct))).WithName("GetGroup");
        groups.MapDelete("/{id:guid}", async (Guid id, GroupService s, CancellationToken ct) => { await s.DeleteAsync(id, ct); return TypedResults.NoContent(); }).WithName("DeleteGroup");
        groups.MapGet("/{id:guid}/members", async (Guid id, GroupService s, CancellationToken ct) => TypedResults.Ok(await s.ListMembersAsync(id, ct))).WithName("ListGroupMembers");
        groups.MapPost("/{id:guid}/members", async (Guid id, MemberRequest body, GroupService s, CancellationToken ct) => { await s.AddMemberAsync(id, body.UserId, ct); return TypedResults.NoContent(); }).WithName("AddGroupMember");
        groups.MapDelete("/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, GroupService s, CancellationToken ct) => { await s.RemoveMemberAsync(id, userId, ct); return TypedResults.NoContent(); }).WithName("RemoveGroupMember");
        groups.MapGet("/{id:guid}/roles", async (Guid id, GroupService s, CancellationToken ct) => TypedResults.Ok(await s.GetRoleIdsAsync(id, ct))).WithName("GetGroupRoles");
        groups.MapPut("/{id:guid}/roles", async (Guid id, RoleIdsRequest body, GroupService s, CancellationToken ct) => { await s.SetRolesAsync(id, body.RoleIds ?? [], ct); return TypedResults.NoContent(); }).WithName("SetGroupRoles");

        var audit = app.MapGroup("/api/v1/audit").WithTags("Audit").RequireAuthorization(CapabilityPolicyProvider.For(Capabilities.AuditRead));
        audit.MapGet("/", QueryAuditAsync).WithName("QueryAudit");
        audit.MapGet("/export.csv", ExportAuditAsync).WithName("ExportAudit").WithSummary("All matching entries as CSV, oldest first.");
    }

    static async Task<Ok<PagedResult<UserSummary>>> ListUsersAsync(UserAdminService s, CancellationToken ct, string? q = null, int page = 0, int pageSize = 25) =>
        TypedResults.Ok(await s.ListAsync(q, new PageRequest(page, pageSize), ct));

    static async Task<Created<UserSummary>> CreateUserAsync(CreateUserRequest body, UserAdminService s, CancellationToken ct)
    {
        var user = await s.CreateAsync(new NewUser(body.UserName ?? string.Empty, body.DisplayName, body.Email, body.Password ?? string.Empty, body.MustChangePassword ?? true), body.RoleIds ?? [], ct);
        return TypedResults.Created($"/api/v1/users/{user.Id}", user);
    }

    static async Task<Ok<PagedResult<AuditEntry>>> QueryAuditAsync(AuditService s, CancellationToken ct, string? q = null, string? action = null, string? objectType = null, string? objectId = null, Guid? actorId = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int page = 0, int pageSize = 50) =>
        TypedResults.Ok(await s.QueryAsync(new AuditQuery(q, action, objectType, objectId, actorId, from, to, new PageRequest(page, pageSize)), ct));

    static async Task ExportAuditAsync(HttpContext http, AuditService s, CancellationToken ct, string? q = null, string? action = null, string? objectType = null, string? objectId = null, Guid? actorId = null, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var query = new AuditQuery(q, action, objectType, objectId, actorId, from, to);
        await s.QueryAsync(query with { Page = new PageRequest(0, 1) }, ct);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await s.ExportCsvAsync(query, writer, ct);
    }
}

public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Email, string? Password, bool? MustChangePassword, IReadOnlyList<Guid>? RoleIds);

public sealed record SetPasswordRequest(string? Password);

public sealed record RoleIdsRequest(IReadOnlyList<Guid>? RoleIds);

public sealed record RoleRequest(string? Name, string? Description, IReadOnlyList<string>? Capabilities);

public sealed record GroupRequest(string? Name, string? Description);

public sealed record MemberRequest(Guid UserId);
