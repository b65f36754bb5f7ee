using AiPlatform.Core.Data;
using AiPlatform.Core.Serving;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Serving;

public partial class EndpointSettingsForm : ComponentBase
{
    [Inject]
    private IStringLocalizer<SharedResource> L { get; set; } = default!;

    [Parameter, EditorRequired]
    public EndpointSettings Settings { get; set; } = default!;

    [Parameter]
    public EventCallback<EndpointSettings> SettingsChanged { get; set; }

    [Parameter]
    public ServingRuntimeKind Runtime { get; set; }

    [Parameter]
    public bool AliasTarget { get; set; }

    [Parameter]
    public IReadOnlyList<Dataset> Datasets { get; set; } = [];

    private Task Set(EndpointSettings settings) => SettingsChanged.InvokeAsync(settings);
}
