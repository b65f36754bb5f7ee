using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

using AiPlatform.Web.Features.Access;

namespace AiPlatform.Web.Features.Projects;

public static class ProjectEndpoints
{
    public static RouteGroupBuilder MapProjectEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/projects").WithTags("Projects");
        group.MapGet("/", ListAsync).WithName("ListProjects").WithSummary("Projects the caller may read.");
        group.MapPost("/", CreateAsync).WithName("CreateProject");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetProject");
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateProject");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteProject");
        group.MapGrantEndpoints(SecurableTypes.Project, "Project");
        return group;
    }

    static async Task<Ok<Paged<ProjectView>>> ListAsync(ProjectService projects, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null)
    {
        var request = paging.ToRequest();
        var result = await projects.ListAsync(q, request, ct);
        return TypedResults.Ok(Paged<ProjectView>.Of([.. result.Items.Select(p => ProjectView.From(p, null))], result.TotalCount, request));
    }

    static async Task<Created<ProjectView>> CreateAsync(ProjectRequest body, ProjectService projects, CancellationToken ct)
    {
        var project = await projects.CreateAsync(body.Name ?? string.Empty, body.Description, body.GitRepositoryUrl, ct);
        return TypedResults.Created($"/api/v1/projects/{project.Id}", ProjectView.From(project, PermissionLevel.Manage));
    }

    static async Task<Ok<ProjectView>> GetAsync(Guid id, ProjectService projects, CancellationToken ct)
    {
        var (project, level) = await projects.GetAsync(id, ct);
        return TypedResults.Ok(ProjectView.From(project, level));
    }

    static async Task<Ok<ProjectView>> UpdateAsync(Guid id, ProjectRequest body, ProjectService projects, CancellationToken ct)
    {
        var project = await projects.UpdateAsync(id, body.Name ?? string.Empty, body.Description, body.GitRepositoryUrl, ct);
        return TypedResults.Ok(ProjectView.From(project, (await projects.GetAsync(id, ct)).Level));
    }

    static async Task<NoContent> DeleteAsync(Guid id, ProjectService projects, CancellationToken ct)
    {
        await projects.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }
}

public sealed record ProjectRequest(string? Name, string? Description, string? GitRepositoryUrl = null);

public sealed record GrantRequest(PrincipalType PrincipalType, Guid PrincipalId, PermissionLevel Level);

/// <summary>A project; <see cref="Permission"/> is the caller's level on it (in lists it is left out).</summary>
public sealed record ProjectView(Guid Id, string Name, string? Description, string? GitRepositoryUrl, Guid OwnerId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, PermissionLevel? Permission)
{
    public static ProjectView From(Project p, PermissionLevel? level) => new(p.Id, p.Name, p.Description, p.GitRepositoryUrl, p.OwnerId, p.CreatedAt, p.UpdatedAt, level);
}
