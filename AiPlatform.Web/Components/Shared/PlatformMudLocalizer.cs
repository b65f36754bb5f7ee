using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Components.Shared;

/// <summary>
/// MudBlazor's own texts (pagers, grid menus) from the platform's resources, under <c>Mud.&lt;MudBlazor key&gt;</c>.
/// MudBlazor asks only for cultures other than English and keeps its English text for keys not found.
/// </summary>
public sealed class PlatformMudLocalizer(IStringLocalizer<SharedResource> localizer) : MudLocalizer
{
    public override LocalizedString this[string key]
    {
        get
        {
            var text = localizer[$"Mud.{key}"];
            return text.ResourceNotFound ? new LocalizedString(key, key, resourceNotFound: true) : new LocalizedString(key, text.Value);
        }
    }
}
