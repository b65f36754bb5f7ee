using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Registry;

public partial class ModelVersionPage : PlatformPage
{
    [Inject]
    private ModelVersionService Versions { get; set; } = default!;

    [Inject]
    private RunService Runs { get; set; } = default!;

    [Inject]
    private LoggedModelService LoggedModels { get; set; } = default!;

    private LoggedModelDetails? _loggedModel;

    private VersionDetails? _version;
    private RunDetails? _run;
    private IReadOnlyList<RunInput> _inputs = [];
    private bool _notFound;

    [Parameter]
    public Guid Id { get; set; }

    [Parameter]
    public int Version { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _version = await Versions.GetVersionAsync(Id, Version, PageToken);
            if (_version.Version.LoggedModelId is { } loggedModelId)
            {
                try
                {
                    _loggedModel = await LoggedModels.GetAsync(loggedModelId, PageToken);
                }
                catch (NotFoundException)
                {
                    // Deleted, or in an experiment the caller may not read: the id alone is shown.
                }
            }

            if (_version.Version.RunId is { } runId)
            {
                try
                {
                    _run = await Runs.GetRunAsync(runId, PageToken);
                    _inputs = _run.Inputs;
                }
                catch (NotFoundException)
                {
                    // The run is in an experiment the caller may not read.
                }
            }
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }
}
