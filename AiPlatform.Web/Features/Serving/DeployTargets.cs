using AiPlatform.Core.Registry;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Serving;

/// <summary>The targets a model can be deployed at, for the deploy and roll pickers: its READY versions (newest first), then its aliases.</summary>
internal static class DeployTargets
{
    public static List<(string Value, string Label)> Of(ModelDetails details, IStringLocalizer L)
    {
        var targets = new List<(string Value, string Label)>();
        targets.AddRange(details.Versions.Where(v => v.Status == ModelVersionStatus.Ready).OrderByDescending(v => v.Version)
            .Select(v => (v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)L["Endpoints.VersionOption", v.Version, L[$"ModelStage.{v.Stage}"]])));
        targets.AddRange(details.Aliases.Select(a => ("@" + a.Alias, (string)L["Endpoints.AliasOption", a.Alias, a.Version])));
        return targets;
    }
}
