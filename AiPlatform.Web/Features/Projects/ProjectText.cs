using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Projects;

/// <summary>
/// The description of the built-in "Default" project (made on demand for MLflow clients) is the platform's own text,
/// shown in the reader's language; it is not stored. Rows made before keep the English sentence, recognised here.
/// </summary>
public static class ProjectText
{
    internal const string LegacyDefaultDescription = "Experiments created by MLflow clients without a project.";

    /// <summary>Whether the project's description is the platform's built-in one (none stored, or the legacy English sentence).</summary>
    public static bool HasBuiltInDescription(Project project) =>
        project.Name == ExperimentService.DefaultProjectName && (string.IsNullOrEmpty(project.Description) || project.Description == LegacyDefaultDescription);

    /// <summary>The description to show: the built-in one localized, else the stored one (null when none).</summary>
    public static string? Description(IStringLocalizer localizer, Project project) =>
        HasBuiltInDescription(project) ? localizer["Projects.DefaultDescription"] : project.Description;
}
