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
