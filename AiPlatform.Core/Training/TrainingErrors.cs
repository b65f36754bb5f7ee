using System.Reflection;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Training;

/// <summary>
/// The UI resource names of the reasons a training request, a built-in spec or a study is refused. Each
/// <see cref="ValidationException"/> of the training checks carries one as <see cref="PlatformException.MessageKey"/>
/// with its values as <see cref="PlatformException.MessageArguments"/>, so the wizard and the API's problem details can
/// say it in the user's language; the English message stays for logs and clients that do not localize.
/// </summary>
public static class TrainingErrors
{
    public const string Priority = "Error.Training.Priority";
    public const string UnknownBackend = "Error.Training.UnknownBackend";
    public const string BuiltInNeedsLocal = "Error.Training.BuiltInNeedsLocal";
    public const string BackendNotConfigured = "Error.Training.BackendNotConfigured";
    public const string DatasetAndVersion = "Error.Training.DatasetAndVersion";
    public const string BuiltInNeedsSettings = "Error.Training.BuiltInNeedsSettings";
    public const string BuiltInNeedsVersion = "Error.Training.BuiltInNeedsVersion";
    public const string TestFraction = "Error.Training.TestFraction";
    public const string Folds = "Error.Training.Folds";
    public const string CustomNeedsCommand = "Error.Training.CustomNeedsCommand";
    public const string CommandLength = "Error.Training.CommandLength";
    public const string CodeKey = "Error.Training.CodeKey";
    public const string CodeUploadOrGit = "Error.Training.CodeUploadOrGit";
    public const string EnvironmentName = "Error.Training.EnvironmentName";
    public const string EnvironmentLoader = "Error.Training.EnvironmentLoader";
    public const string EnvironmentValue = "Error.Training.EnvironmentValue";
    public const string Resources = "Error.Training.Resources";
    public const string RemoteNeedsKubernetes = "Error.Training.RemoteNeedsKubernetes";
    public const string Image = "Error.Training.Image";
    public const string UnknownKind = "Error.Training.UnknownKind";
    public const string UnknownTaskOrTrainer = "Error.Training.UnknownTaskOrTrainer";
    public const string LabelMissing = "Error.Training.LabelMissing";
    public const string LabelNotColumn = "Error.Training.LabelNotColumn";
    public const string LabelRegressionNumeric = "Error.Training.LabelRegressionNumeric";
    public const string LabelClassificationType = "Error.Training.LabelClassificationType";
    public const string LabelSingleClass = "Error.Training.LabelSingleClass";
    public const string LabelBinaryClasses = "Error.Training.LabelBinaryClasses";
    public const string FeaturesNone = "Error.Training.FeaturesNone";
    public const string FeatureNotColumn = "Error.Training.FeatureNotColumn";
    public const string FeatureIsLabel = "Error.Training.FeatureIsLabel";
    public const string FeatureType = "Error.Training.FeatureType";
    public const string FeatureTwice = "Error.Training.FeatureTwice";
    public const string HyperparameterUnknown = "Error.Training.HyperparameterUnknown";
    public const string HyperparameterRange = "Error.Training.HyperparameterRange";
    public const string StudyObjective = "Error.Study.Objective";
    public const string StudyTrials = "Error.Study.Trials";
    public const string StudySampler = "Error.Study.Sampler";
    public const string StudyCategoricalBuiltIn = "Error.Study.CategoricalBuiltIn";
    public const string SpaceSize = "Error.Study.SpaceSize";
    public const string SpaceName = "Error.Study.SpaceName";
    public const string SpaceChoices = "Error.Study.SpaceChoices";
    public const string SpaceRange = "Error.Study.SpaceRange";
    public const string SpaceLogRange = "Error.Study.SpaceLogRange";
    public const string SpaceIntRange = "Error.Study.SpaceIntRange";
    public const string SpaceType = "Error.Study.SpaceType";
    public const string SpaceTwice = "Error.Study.SpaceTwice";

    /// <summary>Every key above (the resource tests check that both languages have each one).</summary>
    public static IReadOnlyList<string> All { get; } = typeof(TrainingErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

    /// <summary>A refusal of <paramref name="field"/>: the English <paramref name="message"/>, and <paramref name="key"/> with <paramref name="arguments"/> for the UI.</summary>
    public static ValidationException Invalid(string field, string key, string message, params object[] arguments) =>
        new(field, message) { MessageKey = key, MessageArguments = arguments };
}
