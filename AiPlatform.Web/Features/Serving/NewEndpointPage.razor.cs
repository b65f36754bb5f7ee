using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Serving;

public partial class NewEndpointPage : PlatformPage
{
    [Inject]
    private DeploymentService Deployments { get; set; } = default!;

    [Inject]
    private RegistryService Registry { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private IReadOnlyList<RegisteredModel> _models = [];
    private IReadOnlyList<Dataset> _datasets = [];
    private List<(string Value, string Label)> _targets = [];
    private Guid? _modelId;
    private string? _target;
    private string? _name;
    private ServingRuntimeKind _runtime = ServingRuntimeKind.OnnxRuntime;
    private EndpointSettings _settings = new(0, 0, 2000, 1, true, 0, null, null);
    private bool _busy;

    [SupplyParameterFromQuery(Name = "model")]
    public Guid? Model { get; set; }

    [SupplyParameterFromQuery(Name = "target")]
    public string? Target { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _models = (await Registry.ListModelsAsync(null, 0, 1000, PageToken)).Items;
        _datasets = (await Datasets.ListAsync(null, null, new PageRequest(0, 500), PageToken)).Items;
        if (Model is { } model && _models.Any(m => m.Id == model))
        {
            await OnModelChangedAsync(model);
            if (Target is { } target && _targets.Any(t => t.Value == target))
            {
                _target = target;
            }
        }
    }

    private async Task OnModelChangedAsync(Guid? modelId)
    {
        _modelId = modelId;
        _targets = [];
        _target = null;
        if (modelId is not { } id)
        {
            return;
        }

        var details = await Registry.GetModelAsync(id, PageToken);
        _targets = DeployTargets.Of(details, L);

        _target = _targets.FirstOrDefault().Value;
        _name ??= Slug(details.Model.Name);
    }

    private async Task DeployAsync()
    {
        _busy = true;
        try
        {
            var s = _settings;
            ServingEndpoint? endpoint = null;
            if (await RunAsync(async ct => endpoint = await Deployments.DeployAsync(new DeploySpec(_name, _modelId!.Value, _target, _runtime, s.Threads, s.MaxBatchSize, s.MaxQueueDelayMicroseconds, s.Replicas, s.RollOnAliasMove, s.PayloadLogPercent, s.PayloadDatasetId, s.Description), ct)))
            {
                Navigation.NavigateTo($"/endpoints/{endpoint!.Id}");
            }
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Slug(string name)
    {
        var chars = name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = new string(chars).Trim('-');
        slug = slug.Length > 0 && char.IsAsciiLetter(slug[0]) ? slug : "m-" + slug;
        return slug.Length > 63 ? slug[..63] : slug;
    }
}
