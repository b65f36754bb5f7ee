using AiPlatform.Core.Registry;
using Microsoft.ML.OnnxRuntime;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.DuckDb;
using DuckDB.NET.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

using static AiPlatform.Infrastructure.Training.MlNetDataPreparation;
using static AiPlatform.Infrastructure.Training.MlNetEvaluation;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// The built-in trainers on ML.NET. DuckDB reads the dataset version (its Parquet copy) and writes exactly the
/// columns needed as a CSV — label converted for the task, rows without a label dropped, numbers as doubles — then
/// ML.NET featurizes (missing numbers replaced by the mean, low-cardinality text one-hot encoded, free text
/// featurized), trains, evaluates on a holdout split or k folds, and saves the model and its ONNX export.
/// </summary>
public sealed class MlNetTrainer : IBuiltInTrainer
{
    /// <summary>Text columns with at most this many distinct values (or 5 % of the rows) are categories, others free text.</summary>
    public const int CategoricalLimit = 100;

    /// <summary>Permutation importance is computed on at most this many evaluation rows, so it costs little next to training.</summary>
    public const int ImportanceSampleRows = 2000;

    public void Validate(BuiltInSpec spec, IReadOnlyList<DatasetColumn> columns)
    {
        if (!Enum.IsDefined(spec.Task) || !Enum.IsDefined(spec.Trainer))
        {
            throw TrainingErrors.Invalid("builtIn", TrainingErrors.UnknownTaskOrTrainer, "Unknown task or trainer.");
        }

        if ((BuiltInSpecRules.CheckLabel(spec.Task, spec.Label, columns) ?? BuiltInSpecRules.CheckFeatures(spec.Label, spec.Features, columns)) is { } problem)
        {
            throw problem;
        }

        foreach (var (key, value) in spec.Hyperparameters ?? new Dictionary<string, double>())
        {
            if (!TrainerCatalog.HyperparametersOf(spec.Trainer).Contains(key))
            {
                var known = string.Join(", ", TrainerCatalog.HyperparametersOf(spec.Trainer));
                throw TrainingErrors.Invalid("hyperparameters", TrainingErrors.HyperparameterUnknown, $"{spec.Trainer} takes {known}; not '{key}'.", spec.Trainer, known, key);
            }

            if (!double.IsFinite(value) || value < 0 || (key is "numberOfLeaves" or "numberOfIterations" or "numberOfTrees" or "minimumExampleCountPerLeaf" && (value < 1 || value != Math.Floor(value))) || (key == "learningRate" && value is <= 0 or > 1))
            {
                var text = value.ToString(CultureInfo.InvariantCulture);
                throw TrainingErrors.Invalid("hyperparameters", TrainingErrors.HyperparameterRange, $"'{key}' = {text} is out of range.", key, text);
            }
        }
    }

    public async Task<TrainingOutcome> TrainAsync(string dataPath, DatasetFormat format, BuiltInSpec spec, string workDirectory, Func<string, JobText?, Task> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var prepared = await PrepareAsync(dataPath, format, spec, workDirectory, ct);
        var featureList = string.Join(", ", prepared.Features.Select(f => $"{f.Original} ({f.Kind.ToString().ToLowerInvariant()})"));
        await log($"Prepared {prepared.Rows:N0} labelled rows; features: {featureList}.", JobText.Of("JobLog.Training.Prepared", prepared.Rows, string.Join(", ", prepared.Features.Select(f => f.Original))));
        ct.ThrowIfCancellationRequested();
        var result = await Task.Run(() => Train(prepared, spec, workDirectory, log, ct), ct);
        result.Metrics["training_seconds"] = clock.Elapsed.TotalSeconds;
        return new TrainingOutcome(result.Metrics, result.Params, result.Artifacts);
    }

    private sealed record Result(Dictionary<string, double> Metrics, Dictionary<string, string> Params, List<TrainingArtifact> Artifacts);

    private static async Task<Result> Train(Prepared prepared, BuiltInSpec spec, string work, Func<string, JobText?, Task> log, CancellationToken ct)
    {
        var ml = new MLContext(spec.Seed);
        var labelKind = spec.Task switch
        {
            TrainingTask.Regression => DataKind.Single,
            TrainingTask.BinaryClassification => DataKind.Boolean,
            _ => DataKind.String,
        };
        var columns = new List<TextLoader.Column> { new("Label", labelKind, 0) };
        columns.AddRange(prepared.Features.Select((f, i) => new TextLoader.Column(f.Column, f.Kind == FeatureKind.Numeric ? DataKind.Single : DataKind.String, i + 1)));
        var options = new TextLoader.Options { Columns = [.. columns], HasHeader = true, Separators = [','], AllowQuoting = true, MissingRealsAsNaNs = true };
        var data = ml.Data.LoadFromTextFile(prepared.CsvPath, options);
        data = ml.Data.Cache(data);

        ITransformer? labelMap = null;
        if (spec.Task == TrainingTask.MulticlassClassification)
        {
            labelMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
            data = labelMap.Transform(data);
        }

        var pipeline = Featurize(ml, prepared.Features, spec.Trainer == TrainerAlgorithm.Linear);
        var estimator = AppendTrainer(ml, pipeline, spec);
        var metrics = new Dictionary<string, double>();
        ITransformer model;
        IDataView evaluation;
        IDataView evaluationInput;
        ConfusionMatrix? confusion = null;
        ct.ThrowIfCancellationRequested();
        if (spec.Folds >= 2)
        {
            await log($"Cross-validating with {spec.Folds} folds.", JobText.Of("JobLog.Training.CrossValidating", spec.Folds));
            foreach (var (key, value) in CrossValidate(ml, data, estimator, spec))
            {
                metrics[key] = value;
            }

            model = estimator.Fit(data);
            evaluationInput = data;
            evaluation = model.Transform(data);
            metrics["training_rows"] = prepared.Rows;
        }
        else
        {
            var split = ml.Data.TrainTestSplit(data, spec.TestFraction, seed: spec.Seed);
            model = estimator.Fit(split.TrainSet);
            evaluationInput = split.TestSet;
            evaluation = model.Transform(split.TestSet);
            foreach (var (key, value) in Evaluate(ml, evaluation, spec, out confusion))
            {
                metrics[key] = value;
            }

            metrics["test_rows"] = evaluation.GetRowCount() ?? CountRows(split.TestSet);
            metrics["training_rows"] = prepared.Rows - metrics["test_rows"];
        }

        ct.ThrowIfCancellationRequested();
        var evaluated = string.Join(", ", metrics.Where(m => !m.Key.EndsWith("_rows", StringComparison.Ordinal)).Select(m => $"{m.Key}={m.Value.ToString("0.####", CultureInfo.InvariantCulture)}"));
        await log("Evaluated: " + evaluated, JobText.Of("JobLog.Training.Evaluated", evaluated));

        var artifacts = new List<TrainingArtifact>();
        var modelFolder = Directory.CreateDirectory(Path.Combine(work, "model")).FullName;
        var evalFolder = Directory.CreateDirectory(Path.Combine(work, "evaluation")).FullName;

        var final = spec.Task == TrainingTask.MulticlassClassification ? model.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(evaluation)) : model;
        var modelPath = Path.Combine(modelFolder, "model.zip");
        var featureSchema = LoadFeaturesOnly(ml, prepared, work).Schema;
        ml.Model.Save(final, featureSchema, modelPath);
        artifacts.Add(new TrainingArtifact("model/model.zip", modelPath, "application/zip"));

        var onnxPath = Path.Combine(modelFolder, "model.onnx");
        try
        {
            // Only the prediction's columns become graph outputs: the intermediate ones (each feature's `<column>.output`,
            // `Features.output`) are not exported, and the `mlnet.*.unusedOutput` placeholders the converter still adds
            // (multiclass) are dropped, so what the served model declares is what inference returns.
            using var exported = new MemoryStream();
            ml.Model.ConvertToOnnx(final, LoadFeaturesOnly(ml, prepared, work), exported, [.. PredictionColumns(final.GetOutputSchema(featureSchema))]);
            // Free-text features: the export's text branch is made to run batches (see OnnxTextBatch).
            var onnx = OnnxTextBatch.Fix(OnnxGraphOutputs.Keep(exported.ToArray(), o => !Core.Serving.ServedOutputs.IsPlaceholder(o)));
            await File.WriteAllBytesAsync(onnxPath, onnx, ct);

            artifacts.Add(new TrainingArtifact("model/model.onnx", onnxPath, "application/octet-stream"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            File.Delete(onnxPath);
            await log($"ONNX export is not available for this pipeline: {e.Message}", JobText.Of("JobLog.Training.NoOnnx", e.Message));
        }

        if (File.Exists(onnxPath))
        {
            ConversionReport report;
            try
            {
                report = OnnxParity.Check(ml, final, evaluationInput, [.. prepared.Features.Select(f => (f.Column, f.Kind == FeatureKind.Numeric))], onnxPath);
            }
            catch (Exception e) when (e is OnnxRuntimeException or InvalidOperationException or ArgumentException)
            {
                report = new ConversionReport("ML.NET model.zip", "ONNX model.onnx", 0, new Dictionary<string, double>(), OnnxParity.Tolerance, false);
                await log($"The ONNX parity check could not run: {e.Message}", JobText.Of("JobLog.Training.ParityFailed", e.Message));
            }

            var reportPath = Path.Combine(modelFolder, "conversion_report.json");
            await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), ct);
            artifacts.Add(new TrainingArtifact("model/conversion_report.json", reportPath, "application/json"));
            var differences = string.Join(", ", report.MaxAbsDifference.Select(d => $"max |Δ {d.Key}| = {d.Value.ToString("G3", CultureInfo.InvariantCulture)}"));
            await log(
                $"ONNX parity on {report.Rows} validation rows: " + differences + (report.Passed ? " (passed)" : $" (above {report.Tolerance})"),
                report.Passed ? JobText.Of("JobLog.Training.ParityPassed", report.Rows, differences) : JobText.Of("JobLog.Training.ParityAbove", report.Rows, differences, report.Tolerance));
        }

        var schemaPath = Path.Combine(modelFolder, "input_schema.json");
        await File.WriteAllTextAsync(schemaPath, JsonSerializer.Serialize(new
        {
            task = spec.Task.ToString(),
            label = spec.Label,
            classes = prepared.Classes,
            positiveClass = prepared.PositiveClass,
            inputs = prepared.Features.Select(f => new { column = f.Original, input = f.Column, kind = f.Kind.ToString().ToLowerInvariant(), type = f.Kind == FeatureKind.Numeric ? "float" : "string" }),
        }, new JsonSerializerOptions { WriteIndented = true }), ct);
        artifacts.Add(new TrainingArtifact("model/input_schema.json", schemaPath, "application/json"));

        if (spec.Task != TrainingTask.Regression)
        {
            confusion ??= Confusion(ml, evaluation, spec);
            var path = Path.Combine(evalFolder, "confusion_matrix.csv");
            await File.WriteAllTextAsync(path, ConfusionCsv(confusion, spec.Task == TrainingTask.BinaryClassification ? ["false", "true"] : prepared.Classes), ct);
            artifacts.Add(new TrainingArtifact("evaluation/confusion_matrix.csv", path, "text/csv"));
        }

        try
        {
            var importance = Importance(ml, model, evaluationInput, prepared, spec);
            var path = Path.Combine(evalFolder, "feature_importance.csv");
            var csv = new StringBuilder("feature,importance\n");
            foreach (var (feature, value) in importance.OrderByDescending(i => i.Value))
            {
                csv.Append(CultureInfo.InvariantCulture, $"{Csv(feature)},{value:R}\n");
            }

            await File.WriteAllTextAsync(path, csv.ToString(), ct);
            artifacts.Add(new TrainingArtifact("evaluation/feature_importance.csv", path, "text/csv"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await log($"Feature importance could not be computed: {(e.InnerException ?? e).Message}", JobText.Of("JobLog.Training.NoImportance", (e.InnerException ?? e).Message));
        }

        var parameters = new Dictionary<string, string>
        {
            ["task"] = spec.Task.ToString(),
            ["trainer"] = spec.Trainer.ToString(),
            ["label"] = spec.Label,
            ["features"] = Truncate(string.Join(",", spec.Features), 6000),
            ["validation"] = spec.Folds >= 2 ? $"{spec.Folds}-fold" : $"holdout {spec.TestFraction.ToString(CultureInfo.InvariantCulture)}",
            ["seed"] = spec.Seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in spec.Hyperparameters ?? new Dictionary<string, double>())
        {
            parameters[key] = value.ToString(CultureInfo.InvariantCulture);
        }

        return new Result(metrics, parameters, artifacts);
    }

    /// <summary>The columns a user expects from a prediction, in this order, among those the model writes.</summary>
    internal static readonly string[] PredictionOutputs = ["PredictedLabel", "Score", "Probability"];

    internal static IEnumerable<string> PredictionColumns(DataViewSchema scored) => PredictionOutputs.Where(c => scored.GetColumnOrNull(c) is not null);

    private static IEstimator<ITransformer> Featurize(MLContext ml, IReadOnlyList<PreparedFeature> features, bool normalize)
    {
        // One transform per kind (not per column): fewer passes over the data.
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        var numeric = features.Where(f => f.Kind == FeatureKind.Numeric).Select(f => new InputOutputColumnPair(f.Column, f.Column)).ToArray();
        var categorical = features.Where(f => f.Kind == FeatureKind.Categorical).Select(f => new InputOutputColumnPair(f.Column, f.Column)).ToArray();
        if (numeric.Length > 0)
        {
            pipeline = pipeline.Append(ml.Transforms.ReplaceMissingValues(numeric, Microsoft.ML.Transforms.MissingValueReplacingEstimator.ReplacementMode.Mean));
        }

        if (categorical.Length > 0)
        {
            pipeline = pipeline.Append(ml.Transforms.Categorical.OneHotEncoding(categorical));
        }

        foreach (var f in features.Where(f => f.Kind == FeatureKind.Text))
        {
            pipeline = pipeline.Append(ml.Transforms.Text.FeaturizeText(f.Column, new Microsoft.ML.Transforms.Text.TextFeaturizingEstimator.Options
            {
                // No normalizer at all: its ONNX form (StringNormalizer) needs OS locales that slim images lack.
                CaseMode = Microsoft.ML.Transforms.Text.TextNormalizingEstimator.CaseMode.None,
                KeepDiacritics = true,
                KeepPunctuations = true,
                KeepNumbers = true,
            }, f.Column));
        }

        pipeline = pipeline.Append(ml.Transforms.Concatenate("Features", [.. features.Select(f => f.Column)]));
        return normalize ? pipeline.Append(ml.Transforms.NormalizeMinMax("Features")) : pipeline;
    }

    private static IEstimator<ITransformer> AppendTrainer(MLContext ml, IEstimator<ITransformer> pipeline, BuiltInSpec spec)
    {
        var h = spec.Hyperparameters ?? new Dictionary<string, double>();
        // Values the request leaves out take the catalog's defaults (the ones the wizard shows).
        int? Int(string key) => h.TryGetValue(key, out var v) ? (int)v : (int)TrainerCatalog.DefaultOf(spec.Trainer, spec.Task, key);
        double? Real(string key) => h.TryGetValue(key, out var v) ? v : TrainerCatalog.DefaultOf(spec.Trainer, spec.Task, key);
        // LightGBM would split one-hot columns as categories (its default when the features carry ML.NET's categorical
        // slot ranges), and ML.NET's ONNX export writes such a split as a node on feature -1, which ONNX Runtime
        // refuses at session creation. Splitting the one-hot slots as numbers (0/1 ≤ 0.5) exports and keeps parity.
        LightGbmBinaryTrainer.Options BinaryLgbm() => new() { NumberOfLeaves = Int("numberOfLeaves") ?? 31, NumberOfIterations = Int("numberOfIterations") ?? 100, LearningRate = Real("learningRate") ?? 0.1, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 20, Seed = spec.Seed, UseCategoricalSplit = false };
        FastTreeBinaryTrainer.Options BinaryFastTree() => new() { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, LearningRate = Real("learningRate") ?? 0.2, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 };
        FastForestBinaryTrainer.Options BinaryForest() => new() { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 };
        IEstimator<ITransformer> trainer = (spec.Task, spec.Trainer) switch
        {
            (TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm) => ml.BinaryClassification.Trainers.LightGbm(BinaryLgbm()),
            (TrainingTask.BinaryClassification, TrainerAlgorithm.FastTree) => ml.BinaryClassification.Trainers.FastTree(BinaryFastTree()),
            (TrainingTask.BinaryClassification, TrainerAlgorithm.FastForest) => ml.BinaryClassification.Trainers.FastForest(BinaryForest()),
            (TrainingTask.BinaryClassification, _) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { L1Regularization = (float)(Real("l1Regularization") ?? 1), L2Regularization = (float)(Real("l2Regularization") ?? 1) }),
            (TrainingTask.MulticlassClassification, TrainerAlgorithm.LightGbm) => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 31, NumberOfIterations = Int("numberOfIterations") ?? 100, LearningRate = Real("learningRate") ?? 0.1, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 20, Seed = spec.Seed, UseCategoricalSplit = false }),
            (TrainingTask.MulticlassClassification, TrainerAlgorithm.FastTree) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(BinaryFastTree())),
            (TrainingTask.MulticlassClassification, TrainerAlgorithm.FastForest) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastForest(BinaryForest())),
            (TrainingTask.MulticlassClassification, _) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { L1Regularization = (float)(Real("l1Regularization") ?? 1), L2Regularization = (float)(Real("l2Regularization") ?? 1) }),
            (_, TrainerAlgorithm.LightGbm) => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 31, NumberOfIterations = Int("numberOfIterations") ?? 100, LearningRate = Real("learningRate") ?? 0.1, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 20, Seed = spec.Seed, UseCategoricalSplit = false }),
            (_, TrainerAlgorithm.FastTree) => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, LearningRate = Real("learningRate") ?? 0.2, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 }),
            (_, TrainerAlgorithm.FastForest) => ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 }),
            _ => ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options { L1Regularization = (float?)Real("l1Regularization") ?? 0f, L2Regularization = (float?)Real("l2Regularization") ?? 0.1f, MaximumNumberOfIterations = 100, Shuffle = false, NumberOfThreads = 1 }),
        };
        return pipeline.Append(trainer);
    }
}
