using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Web.Api;
using AiPlatform.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Admin;

/// <summary>Users, roles, groups and the audit trail. The services check the capabilities; the route groups check them first too.</summary>
public static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/capabilities", ListCapabilities).WithTags("Roles").WithName("ListCapabilities");

        var users = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(CapabilityPolicyProvider.For(Capabilities.UsersManage));
        users.MapGet("/", ListUsersAsync).WithName("ListUsers");
        users.MapPost("/", CreateUserAsync).WithName("CreateUser");
        users.MapGet("/{id:guid}", GetUserAsync).WithName("GetUser");
        users.MapPost("/{id:guid}/disable", DisableUserAsync).WithName("DisableUser");
        users.MapPost("/{id:guid}/enable", EnableUserAsync).WithName("EnableUser");
        users.MapPost("/{id:guid}/reset-mfa", ResetUserMfaAsync).WithName("ResetUserMfa");
        users.MapPost("/{id:guid}/password", ResetUserPasswordAsync).WithName("ResetUserPassword");
        users.MapGet("/{id:guid}/roles", GetUserRolesAsync).WithName("GetUserRoles");
        users.MapPut("/{id:guid}/roles", SetUserRolesAsync).WithName("SetUserRoles");
        users.MapGet("/{id:guid}/permissions", GetUserPermissionsAsync).WithName("GetUserPermissions");

        var roles = app.MapGroup("/api/v1/roles").WithTags("Roles");
        roles.MapGet("/", ListRolesAsync).WithName("ListRoles");
        roles.MapPost("/", CreateRoleAsync).WithName("CreateRole");
        roles.MapPut("/{id:guid}", UpdateRoleAsync).WithName("UpdateRole");
        roles.MapDelete("/{id:guid}", DeleteRoleAsync).WithName("DeleteRole");

        var groups = app.MapGroup("/api/v1/groups").WithTags("Groups");
        groups.MapGet("/", ListGroupsAsync).WithName("ListGroups");
        groups.MapPost("/", CreateGroupAsync).WithName("CreateGroup");
        groups.MapGet("/{id:guid}", GetGroupAsync).WithName("GetGroup");
        groups.MapDelete("/{id:guid}", DeleteGroupAsync).WithName("DeleteGroup");
        groups.MapGet("/{id:guid}/members", ListGroupMembersAsync).WithName("ListGroupMembers");
        groups.MapPost("/{id:guid}/members", AddGroupMemberAsync).WithName("AddGroupMember");
        groups.MapDelete("/{id:guid}/members/{userId:guid}", RemoveGroupMemberAsync).WithName("RemoveGroupMember");
        groups.MapGet("/{id:guid}/roles", GetGroupRolesAsync).WithName("GetGroupRoles");
        groups.MapPut("/{id:guid}/roles", SetGroupRolesAsync).WithName("SetGroupRoles");

        var audit = app.MapGroup("/api/v1/audit").WithTags("Audit").RequireAuthorization(CapabilityPolicyProvider.For(Capabilities.AuditRead));
        audit.MapGet("/", QueryAuditAsync).WithName("QueryAudit");
        audit.MapGet("/export.csv", ExportAuditAsync).WithName("ExportAudit").WithSummary("All matching entries as CSV, oldest first.");
    }

    static Ok<IReadOnlyList<string>> ListCapabilities() => TypedResults.Ok(Capabilities.All);

    // ---- Users ----

    static async Task<Ok<Paged<UserSummary>>> ListUsersAsync(UserAdminService s, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null)
    {
        var request = paging.ToRequest();
        return TypedResults.Ok(Paged<UserSummary>.Of(await s.ListAsync(q, request, ct), request));
    }

    static async Task<Created<UserSummary>> CreateUserAsync(CreateUserRequest body, UserAdminService s, CancellationToken ct)
    {
        var user = await s.CreateAsync(new NewUser(body.UserName ?? string.Empty, body.DisplayName, body.Email, body.Password ?? string.Empty, body.MustChangePassword ?? true), body.RoleIds ?? [], ct);
        return TypedResults.Created($"/api/v1/users/{user.Id}", user);
    }

    static async Task<Ok<UserSummary>> GetUserAsync(Guid id, UserAdminService s, CancellationToken ct) => TypedResults.Ok(await s.GetAsync(id, ct));

    static async Task<NoContent> DisableUserAsync(Guid id, UserAdminService s, CancellationToken ct)
    {
        await s.SetDisabledAsync(id, true, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> EnableUserAsync(Guid id, UserAdminService s, CancellationToken ct)
    {
        await s.SetDisabledAsync(id, false, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> ResetUserMfaAsync(Guid id, UserAdminService s, CancellationToken ct)
    {
        await s.ResetMfaAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> ResetUserPasswordAsync(Guid id, SetPasswordRequest body, UserAdminService s, CancellationToken ct)
    {
        await s.SetPasswordAsync(id, body.Password ?? string.Empty, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<Guid>>> GetUserRolesAsync(Guid id, UserAdminService s, CancellationToken ct) => TypedResults.Ok(await s.GetRoleIdsAsync(id, ct));

    static async Task<NoContent> SetUserRolesAsync(Guid id, RoleIdsRequest body, UserAdminService s, CancellationToken ct)
    {
        await s.SetRolesAsync(id, body.RoleIds ?? [], ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<EffectivePermissions>> GetUserPermissionsAsync(Guid id, PermissionsService s, CancellationToken ct) => TypedResults.Ok(await s.DescribeAsync(id, ct));

    // ---- Roles ----

    static async Task<Ok<IReadOnlyList<Role>>> ListRolesAsync(RoleService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct));

    static async Task<Created<Role>> CreateRoleAsync(RoleRequest body, RoleService s, CancellationToken ct)
    {
        var role = await s.CreateAsync(body.Name ?? string.Empty, body.Description, body.Capabilities ?? [], ct);
        return TypedResults.Created($"/api/v1/roles/{role.Id}", role);
    }

    static async Task<Ok<Role>> UpdateRoleAsync(Guid id, RoleRequest body, RoleService s, CancellationToken ct) =>
        TypedResults.Ok(await s.UpdateAsync(id, body.Name ?? string.Empty, body.Description, body.Capabilities ?? [], ct));

    static async Task<NoContent> DeleteRoleAsync(Guid id, RoleService s, CancellationToken ct)
    {
        await s.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    // ---- Groups ----

    static async Task<Ok<IReadOnlyList<Group>>> ListGroupsAsync(GroupService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct));

    static async Task<Created<Group>> CreateGroupAsync(GroupRequest body, GroupService s, CancellationToken ct)
    {
        var group = await s.CreateAsync(body.Name ?? string.Empty, body.Description, ct);
        return TypedResults.Created($"/api/v1/groups/{group.Id}", group);
    }

    static async Task<Ok<Group>> GetGroupAsync(Guid id, GroupService s, CancellationToken ct) => TypedResults.Ok(await s.GetAsync(id, ct));

    static async Task<NoContent> DeleteGroupAsync(Guid id, GroupService s, CancellationToken ct)
    {
        await s.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<UserSummary>>> ListGroupMembersAsync(Guid id, GroupService s, CancellationToken ct) => TypedResults.Ok(await s.ListMembersAsync(id, ct));

    static async Task<NoContent> AddGroupMemberAsync(Guid id, MemberRequest body, GroupService s, CancellationToken ct)
    {
        await s.AddMemberAsync(id, body.UserId, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> RemoveGroupMemberAsync(Guid id, Guid userId, GroupService s, CancellationToken ct)
    {
        await s.RemoveMemberAsync(id, userId, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<Guid>>> GetGroupRolesAsync(Guid id, GroupService s, CancellationToken ct) => TypedResults.Ok(await s.GetRoleIdsAsync(id, ct));

    static async Task<NoContent> SetGroupRolesAsync(Guid id, RoleIdsRequest body, GroupService s, CancellationToken ct)
    {
        await s.SetRolesAsync(id, body.RoleIds ?? [], ct);
        return TypedResults.NoContent();
    }

    // ---- Audit ----

    /// <summary>Binds page and pageSize itself: the audit trail pages by 50 by default, <see cref="PageQuery"/> by 25.</summary>
    static async Task<Ok<Paged<AuditEntry>>> QueryAuditAsync(AuditService s, CancellationToken ct, string? q = null, string? action = null, string? objectType = null, string? objectId = null, Guid? actorId = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int page = 0, int pageSize = 50)
    {
        var request = new PageRequest(page, pageSize);
        return TypedResults.Ok(Paged<AuditEntry>.Of(await s.QueryAsync(new AuditQuery(q, action, objectType, objectId, actorId, from, to, request), ct), request));
    }

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
