using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Projects;

public sealed class ProjectService(AccessService access, IProjectStore store, AuditRecorder audit, TimeProvider time) : ISecurableLookup
{
    public string ObjectType => SecurableTypes.Project;

    public async Task<PagedResult<Project>> ListAsync(string? search, PageRequest page, CancellationToken ct) =>
        await store.ListReadableAsync(await access.RequireContextAsync(ct), search, page, ct);

    public async Task<(Project Project, PermissionLevel Level)> GetAsync(Guid id, CancellationToken ct)
    {
        var project = await store.FindAsync(id, ct);
        var level = project is null ? null : await access.GetLevelAsync(ObjectType, id, project.OwnerId, ct);
        return project is not null && level is { } l ? (project, l) : throw new NotFoundException("Project", id);
    }

    public Task<Project> CreateAsync(string name, string? description, CancellationToken ct) => CreateAsync(name, description, null, ct);

    public async Task<Project> CreateAsync(string name, string? description, string? gitRepositoryUrl, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ProjectsCreate, ct);
        var now = time.GetUtcNow();
        var project = new Project { Id = Guid.CreateVersion7(now), Name = await ValidNameAsync(context.UserId, name, null, ct), Description = ValidDescription(description), GitRepositoryUrl = ValidGitUrl(gitRepositoryUrl), OwnerId = context.UserId, CreatedAt = now, UpdatedAt = now };
        await store.AddAsync(project, await audit.EntryAsync("project.create", ObjectType, project.Id, new { project.Name, project.Description, project.GitRepositoryUrl }, ct), ct);
        return project;
    }

    public async Task<Project> UpdateAsync(Guid id, string name, string? description, string? gitRepositoryUrl, CancellationToken ct)
    {
        var (project, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, project.OwnerId, PermissionLevel.Write, ct);
        var before = new { project.Name, project.Description };
        project.Name = await ValidNameAsync(project.OwnerId, name, id, ct);
        project.Description = ValidDescription(description);
        project.GitRepositoryUrl = ValidGitUrl(gitRepositoryUrl);
        project.UpdatedAt = time.GetUtcNow();
        await store.UpdateAsync(project, await audit.EntryAsync("project.update", ObjectType, id, new { before, after = new { project.Name, project.Description } }, ct), ct);
        return project;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (project, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, project.OwnerId, PermissionLevel.Manage, ct);
        await store.DeleteAsync(id, await audit.EntryAsync("project.delete", ObjectType, id, new { project.Name }, ct), ct);
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } p ? new SecurableObject(ObjectType, p.Id, p.Name, p.OwnerId) : null;

    private static string? ValidDescription(string? description) =>
        description is { Length: > 2000 } ? throw new ValidationException("description", "A description has at most 2000 characters.") : description?.Trim();

    private static string? ValidGitUrl(string? url)
    {
        var trimmed = url?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        var ok = trimmed.Length <= 500
            && ((Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" or "git" && !string.IsNullOrEmpty(uri.Host))
                || System.Text.RegularExpressions.Regex.IsMatch(trimmed, @"^[\w.-]+@[\w.-]+:[\w./~-]+$"));
        return ok ? trimmed : throw new ValidationException("gitRepositoryUrl", "A Git repository URL looks like https://host/group/repo.git or git@host:group/repo.git.");
    }

    private async Task<string> ValidNameAsync(Guid ownerId, string name, Guid? except, CancellationToken ct)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 100)
        {
            throw new ValidationException("name", "A project name has 1 to 100 characters.");
        }

        if (await store.NameTakenAsync(ownerId, trimmed, except, ct))
        {
            throw new ValidationException("name", $"You already have a project named '{trimmed}'.");
        }

        return trimmed;
    }
}
