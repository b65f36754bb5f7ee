using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Projects;

public partial class ProjectDetailPage : PlatformPage
{
    [Inject]
    private ProjectService Projects { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private Project? _project;
    private PermissionLevel _level;
    private bool _notFound;
    private bool _sharing;
    private string? _name;
    private string? _description;
    private string? _git;

    [Parameter]
    public Guid Id { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            (_project, _level) = await Projects.GetAsync(Id, PageToken);
            _name = _project.Name;
            _description = ProjectText.HasBuiltInDescription(_project) ? null : _project.Description;
            _git = _project.GitRepositoryUrl;
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private Task SaveAsync() => RunAsync(async ct =>
    {
        _project = await Projects.UpdateAsync(Id, _name ?? string.Empty, _description, _git, ct);
    }, L["Common.Saved"]);

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Projects.DeleteAsync(Id, ct);
        Snackbar.Add(L["Common.Deleted"], Severity.Info);
        Navigation.NavigateTo("/projects");
    });
}
