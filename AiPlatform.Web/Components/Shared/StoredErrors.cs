using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Features.Chat;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Components.Shared;

/// <summary>
/// Failures the platform stored to show later, said in the user's language from their saved resource and arguments;
/// a record saved before the platform kept them (no key) shows its English text as it is.
/// </summary>
public static class StoredErrors
{
    /// <summary>Why a training run failed or was cancelled (null: it did not).</summary>
    public static string? RunError(this IStringLocalizer localizer, TrainingRun run) =>
        string.IsNullOrEmpty(run.Error) ? null : localizer.Stored(run.ErrorKey, run.ErrorArguments, run.Error);

    /// <summary>
    /// What the run's English error says after its first line (a process's last output), shown as it is under the
    /// localized reason; null when there is no such part or no resource (the English text is then shown whole).
    /// </summary>
    public static string? RunErrorDetail(TrainingRun run) =>
        run.ErrorKey is null || run.Error?.IndexOf('\n') is not (> 0 and var at) ? null : run.Error[(at + 1)..];

    /// <summary>Why a study failed (null: it did not).</summary>
    public static string? StudyError(this IStringLocalizer localizer, Study study) =>
        string.IsNullOrEmpty(study.Error) ? null : localizer.Stored(study.ErrorKey, study.ErrorArguments, study.Error);

    /// <summary>Why a model version failed registration (null: no message).</summary>
    public static string? VersionStatusMessage(this IStringLocalizer localizer, ModelVersion version) =>
        string.IsNullOrEmpty(version.StatusMessage) ? null : localizer.Stored(version.StatusMessageKey, version.StatusMessageArguments, version.StatusMessage);

    /// <summary>Why an endpoint failed to load (null: it did not).</summary>
    public static string? EndpointError(this IStringLocalizer localizer, ServingEndpoint endpoint) =>
        string.IsNullOrEmpty(endpoint.Error) ? null : localizer.Stored(endpoint.ErrorKey, endpoint.ErrorArguments, endpoint.Error);
}
