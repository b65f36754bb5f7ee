using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace AiPlatform.Web.Features.Registry;

public partial class ModelPage : PlatformPage
{
    [Inject]
    private RegistryService Registry { get; set; } = default!;

    [Inject]
    private ModelVersionService Versions { get; set; } = default!;

    [Inject]
    private ModelRegistrar Registrar { get; set; } = default!;

    [Inject]
    private EndpointReader Endpoints { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private ModelDetails? _model;
    private IReadOnlyList<StageTransition> _history = [];
    private bool _notFound;
    private bool _sharing;
    private bool _canDeploy;
    private IReadOnlyList<ServingEndpoint> _endpoints = [];
    private int? _aliasVersion;
    private string? _alias;

    [Parameter]
    public Guid Id { get; set; }

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            _model = await Registry.GetModelAsync(Id, PageToken);
            _history = await Versions.ListTransitionsAsync(Id, PageToken);
            _endpoints = await Endpoints.ListForModelAsync(Id, PageToken);
            _canDeploy = await Access.HasCapabilityAsync(Capabilities.ModelsDeploy, PageToken);
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private Task TransitionAsync(int version, ModelStage stage) =>
        SaveAsync(ct => Versions.TransitionStageAsync(Id, version, stage, stage is ModelStage.Production or ModelStage.Staging, ct));

    private async Task SetAliasAsync(int version)
    {
        await SaveAsync(ct => Versions.SetAliasAsync(Id, _alias, version, ct));
        _aliasVersion = null;
    }

    private async Task UploadAsync(IBrowserFile file)
    {
        await SaveAsync(async ct =>
        {
            await using var stream = file.OpenReadStream(2L * 1024 * 1024 * 1024, ct);
            await Registrar.CreateVersionFromUploadAsync(Id, file.Name, stream, null, ct);
        });
    }

    private async Task DeleteAsync()
    {
        if (await RunAsync(ct => Registry.DeleteModelAsync(Id, ct)))
        {
            Navigation.NavigateTo("/models");
        }
    }

    /// <summary>Runs a change, then shows "saved" and reloads the model.</summary>
    private async Task SaveAsync(Func<CancellationToken, Task> action)
    {
        if (await RunAsync(action, success: L["Common.Saved"]))
        {
            await LoadAsync();
        }
    }
}
