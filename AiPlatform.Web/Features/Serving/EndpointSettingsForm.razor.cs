using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Localization;
using MudBlazor;

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
