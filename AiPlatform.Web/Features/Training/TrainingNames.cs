using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Training;

/// <summary>Localized names of the training pages' terms that are not enums.</summary>
public static class TrainingNames
{
    /// <summary>
    /// A hyperparameter's name in the user's language (<c>Training.Hyperparameter.&lt;name&gt;</c>), or the raw name for
    /// one the resources do not know (a custom script's parameter). Pages show the raw name beside it: the API takes it.
    /// </summary>
    public static string HyperparameterName(this IStringLocalizer localizer, string name)
    {
        var label = localizer[$"Training.Hyperparameter.{name}"];
        return label.ResourceNotFound ? name : label.Value;
    }
}
