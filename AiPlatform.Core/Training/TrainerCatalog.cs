using AiPlatform.Core.Training.Hpo;

namespace AiPlatform.Core.Training;

/// <summary>
/// The built-in trainers and the hyperparameters each one takes (names as in <see cref="BuiltInSpec.Hyperparameters"/>).
/// The wizard, the study page and the API list them from here; the ML.NET trainer accepts exactly these.
/// </summary>
public static class TrainerCatalog
{
    private static readonly Dictionary<TrainerAlgorithm, string[]> Hyperparameters = new()
    {
        [TrainerAlgorithm.LightGbm] = ["learningRate", "numberOfLeaves", "numberOfIterations", "minimumExampleCountPerLeaf"],
        [TrainerAlgorithm.FastTree] = ["learningRate", "numberOfLeaves", "numberOfTrees", "minimumExampleCountPerLeaf"],
        [TrainerAlgorithm.FastForest] = ["numberOfLeaves", "numberOfTrees", "minimumExampleCountPerLeaf"],
        [TrainerAlgorithm.Linear] = ["l1Regularization", "l2Regularization"],
    };

    /// <summary>Every built-in trainer, in declaration order.</summary>
    public static IReadOnlyList<TrainerAlgorithm> Trainers { get; } = Enum.GetValues<TrainerAlgorithm>();

    /// <summary>The hyperparameters <paramref name="trainer"/> takes.</summary>
    public static IReadOnlyList<string> HyperparametersOf(TrainerAlgorithm trainer) => Hyperparameters[trainer];

    /// <summary>
    /// The value the trainer uses for <paramref name="key"/> when the request leaves it out (ML.NET's defaults for the
    /// estimator each task and trainer map to); the wizard shows it as the field's placeholder.
    /// </summary>
    public static double DefaultOf(TrainerAlgorithm trainer, TrainingTask task, string key) => (trainer, key) switch
    {
        (TrainerAlgorithm.LightGbm, "learningRate") => 0.1,
        (TrainerAlgorithm.LightGbm, "numberOfLeaves") => 31,
        (TrainerAlgorithm.LightGbm, "numberOfIterations") => 100,
        (TrainerAlgorithm.LightGbm, "minimumExampleCountPerLeaf") => 20,
        (TrainerAlgorithm.FastTree, "learningRate") => 0.2,
        (TrainerAlgorithm.FastTree or TrainerAlgorithm.FastForest, "numberOfLeaves") => 20,
        (TrainerAlgorithm.FastTree or TrainerAlgorithm.FastForest, "numberOfTrees") => 100,
        (TrainerAlgorithm.FastTree or TrainerAlgorithm.FastForest, "minimumExampleCountPerLeaf") => 10,
        (TrainerAlgorithm.Linear, "l1Regularization") => task == TrainingTask.Regression ? 0 : 1,
        (TrainerAlgorithm.Linear, "l2Regularization") => task == TrainingTask.Regression ? 0.1 : 1,
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, $"{trainer} takes no hyperparameter '{key}'."),
    };

    /// <summary>
    /// The range a study searches for each hyperparameter of <paramref name="trainer"/> unless the user changes it:
    /// learning rates on a log scale, leaves, trees and iterations as integers, regularization on a log scale.
    /// </summary>
    public static IReadOnlyList<SearchParameter> SearchRangesOf(TrainerAlgorithm trainer) =>
        HyperparametersOf(trainer).Select(key => key switch
        {
            "learningRate" => new SearchParameter(key, ParameterType.LogFloat, 0.01, 0.3),
            "numberOfLeaves" => new SearchParameter(key, ParameterType.Int, 4, 64),
            "numberOfIterations" or "numberOfTrees" => new SearchParameter(key, ParameterType.Int, 20, 300),
            "minimumExampleCountPerLeaf" => new SearchParameter(key, ParameterType.Int, 2, 50),
            _ => new SearchParameter(key, ParameterType.LogFloat, 1e-4, 10),
        }).ToList();

    /// <summary>The metric a study of a <paramref name="task"/> optimizes unless the user changes it, and in which direction.</summary>
    public static (string Metric, ObjectiveDirection Direction) DefaultObjective(TrainingTask task) => task switch
    {
        TrainingTask.BinaryClassification => ("auc", ObjectiveDirection.Maximize),
        TrainingTask.MulticlassClassification => ("accuracy", ObjectiveDirection.Maximize),
        _ => ("rmse", ObjectiveDirection.Minimize),
    };
}
