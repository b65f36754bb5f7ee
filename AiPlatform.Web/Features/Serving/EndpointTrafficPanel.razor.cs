using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Serving;

public partial class EndpointTrafficPanel : PlatformPage
{
    private string? _rollTarget;
    private string? _canaryTarget;
    private int _canaryPercent = 10;

    [Parameter, EditorRequired]
    public ServingEndpoint Endpoint { get; set; } = default!;

    /// <summary>The versions and aliases the endpoint can move to (value, label).</summary>
    [Parameter]
    public IReadOnlyList<(string Value, string Label)> Targets { get; set; } = [];

    /// <summary>Raised after a change succeeded.</summary>
    [Parameter]
    public EventCallback Changed { get; set; }

    [Inject]
    private RolloutService Rollouts { get; set; } = default!;

    private async Task SaveAsync(Func<CancellationToken, Task> action)
    {
        if (await RunAsync(action, success: L["Common.Saved"]))
        {
            await Changed.InvokeAsync();
        }
    }
}
