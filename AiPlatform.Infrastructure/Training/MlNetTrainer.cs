using AiPlatform.Core.Registry;
using Microsoft.ML.OnnxRuntime;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.DuckDb;
using DuckDB.NET.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

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

    private static readonly string[] NumericTypes = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL"];

    private static readonly Dictionary<TrainerAlgorithm, string[]> AllowedHyperparameters = new()
    {
        [TrainerAlgorithm.LightGbm] = ["learningRate", "numberOfLeaves", "numberOfIterations", "minimumExampleCountPerLeaf"],
        [TrainerAlgorithm.FastTree] = ["learningRate", "numberOfLeaves", "numberOfTrees", "minimumExampleCountPerLeaf"],
        [TrainerAlgorithm.FastForest] = ["numberOfLeaves", "numberOfTrees", "minimumExampleCountPerLeaf"],
        [TrainerAlgorithm.Linear] = ["l1Regularization", "l2Regularization"],
    };

    public static IReadOnlyList<string> HyperparametersOf(TrainerAlgorithm trainer) => AllowedHyperparameters[trainer];

    public void Validate(BuiltInSpec spec, IReadOnlyList<DatasetColumn> columns)
    {
        if (!Enum.IsDefined(spec.Task) || !Enum.IsDefined(spec.Trainer))
        {
            throw new ValidationException("builtIn", "Unknown task or trainer.");
        }

        var byName = columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        if (string.IsNullOrEmpty(spec.Label) || !byName.TryGetValue(spec.Label, out var labelType))
        {
            throw new ValidationException("label", $"The dataset version has no column '{spec.Label}'. Columns: {string.Join(", ", columns.Select(c => c.Name))}.");
        }

        if (spec.Task == TrainingTask.Regression && !IsNumeric(labelType))
        {
            throw new ValidationException("label", $"Regression needs a numeric label; '{spec.Label}' is {labelType}.");
        }

        if (spec.Task == TrainingTask.BinaryClassification && !(IsNumeric(labelType) || labelType is "BOOLEAN" or "VARCHAR"))
        {
            throw new ValidationException("label", $"Binary classification needs a boolean, number or text label; '{spec.Label}' is {labelType}.");
        }

        if (spec.Task == TrainingTask.MulticlassClassification && !(IsNumeric(labelType) || labelType is "BOOLEAN" or "VARCHAR"))
        {
            throw new ValidationException("label", $"Multiclass classification needs a text or number label; '{spec.Label}' is {labelType}.");
        }

        if (spec.Features is not { Count: > 0 })
        {
            throw new ValidationException("features", "Choose at least one feature column.");
        }

        foreach (var feature in spec.Features)
        {
            if (!byName.TryGetValue(feature, out var type))
            {
                throw new ValidationException("features", $"The dataset version has no column '{feature}'.");
            }

            if (feature == spec.Label)
            {
                throw new ValidationException("features", $"The label '{feature}' cannot also be a feature.");
            }

            if (Kind(type) is null)
            {
                throw new ValidationException("features", $"Column '{feature}' has the type {type}, which the built-in trainers cannot use.");
            }
        }

        if (spec.Features.Distinct(StringComparer.Ordinal).Count() != spec.Features.Count)
        {
            throw new ValidationException("features", "A feature column is listed twice.");
        }

        foreach (var (key, value) in spec.Hyperparameters ?? new Dictionary<string, double>())
        {
            if (!AllowedHyperparameters[spec.Trainer].Contains(key))
            {
                throw new ValidationException("hyperparameters", $"{spec.Trainer} takes {string.Join(", ", AllowedHyperparameters[spec.Trainer])}; not '{key}'.");
            }

            if (!double.IsFinite(value) || value < 0 || (key is "numberOfLeaves" or "numberOfIterations" or "numberOfTrees" or "minimumExampleCountPerLeaf" && (value < 1 || value != Math.Floor(value))) || (key == "learningRate" && value is <= 0 or > 1))
            {
                throw new ValidationException("hyperparameters", $"'{key}' = {value.ToString(CultureInfo.InvariantCulture)} is out of range.");
            }
        }
    }

    public async Task<TrainingOutcome> TrainAsync(string dataPath, DatasetFormat format, BuiltInSpec spec, string workDirectory, Func<string, Task> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var prepared = await PrepareAsync(dataPath, format, spec, workDirectory, ct);
        await log($"Prepared {prepared.Rows:N0} labelled rows; features: {string.Join(", ", prepared.Features.Select(f => $"{f.Original} ({f.Kind.ToString().ToLowerInvariant()})"))}.");
        ct.ThrowIfCancellationRequested();
        var result = await Task.Run(() => Train(prepared, spec, workDirectory, log, ct), ct);
        result.Metrics["training_seconds"] = clock.Elapsed.TotalSeconds;
        return new TrainingOutcome(result.Metrics, result.Params, result.Artifacts);
    }

    // ---- preparation (DuckDB) ----

    private enum FeatureKind
    {
        Numeric,
        Categorical,
        Text,
    }

    private sealed record PreparedFeature(string Original, string Column, FeatureKind Kind);

    private sealed record Prepared(string CsvPath, IReadOnlyList<PreparedFeature> Features, long Rows, IReadOnlyList<string> Classes, string? PositiveClass);

    private static async Task<Prepared> PrepareAsync(string dataPath, DatasetFormat format, BuiltInSpec spec, string work, CancellationToken ct)
    {
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync(ct);
        await ExecuteAsync(duck, $"CREATE VIEW src AS SELECT * FROM {DuckDbDatasetEngine.Source(dataPath, format, recordRejects: false)}", ct);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var describe = duck.CreateCommand())
        {
            describe.CommandText = "DESCRIBE src";
            await using var reader = await describe.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                types[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var label = DuckDbDatasetEngine.Identifier(spec.Label);
        var labelled = Convert.ToInt64(await ScalarAsync(duck, $"SELECT COUNT(*) FROM src WHERE {label} IS NOT NULL", ct), CultureInfo.InvariantCulture);
        if (labelled == 0)
        {
            throw new TrainingFailedException($"No row has a value in the label column '{spec.Label}': there is nothing to train on.");
        }

        var classes = new List<string>();
        string labelExpression;
        string? positive = null;
        switch (spec.Task)
        {
            case TrainingTask.Regression:
                labelExpression = $"CAST({label} AS DOUBLE)";
                break;
            case TrainingTask.BinaryClassification:
                classes = await DistinctAsync(duck, label, 3, ct);
                if (classes.Count != 2)
                {
                    throw new TrainingFailedException($"Binary classification needs exactly two label values; '{spec.Label}' has {(classes.Count > 2 ? "more than two" : classes.Count.ToString(CultureInfo.InvariantCulture))}. Use multiclass classification instead.");
                }

                positive = classes[1];
                labelExpression = types[spec.Label] == "BOOLEAN" ? label : $"(CAST({label} AS VARCHAR) = {Literal(positive)})";
                break;
            default:
                classes = await DistinctAsync(duck, label, 1001, ct);
                if (classes.Count < 2 || classes.Count > 1000)
                {
                    throw new TrainingFailedException($"Multiclass classification needs 2 to 1000 label values; '{spec.Label}' has {(classes.Count > 1000 ? "more than 1000" : classes.Count.ToString(CultureInfo.InvariantCulture))}.");
                }

                labelExpression = $"CAST({label} AS VARCHAR)";
                break;
        }

        var features = new List<PreparedFeature>();
        var select = new List<string> { $"{labelExpression} AS \"Label\"" };
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Label", "Features", "Score", "Probability", "PredictedLabel" };
        foreach (var original in spec.Features)
        {
            var type = types.GetValueOrDefault(original) ?? throw new TrainingFailedException($"The dataset version has no column '{original}'.");
            var column = SafeName(original, used);
            var kind = Kind(type) ?? throw new TrainingFailedException($"Column '{original}' has the unsupported type {type}.");
            var id = DuckDbDatasetEngine.Identifier(original);
            if (kind == FeatureKind.Text)
            {
                var distinct = Convert.ToInt64(await ScalarAsync(duck, $"SELECT approx_count_distinct({id}) FROM src", ct), CultureInfo.InvariantCulture);
                kind = distinct <= CategoricalLimit || distinct <= labelled * 0.05 ? FeatureKind.Categorical : FeatureKind.Text;
                select.Add($"COALESCE(CAST({id} AS VARCHAR), '') AS {DuckDbDatasetEngine.Identifier(column)}");
            }
            else
            {
                select.Add(type switch
                {
                    "DATE" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" => $"CAST(epoch({id}) AS DOUBLE) AS {DuckDbDatasetEngine.Identifier(column)}",
                    _ => $"CAST({id} AS DOUBLE) AS {DuckDbDatasetEngine.Identifier(column)}",
                });
            }

            features.Add(new PreparedFeature(original, column, kind));
        }

        var csv = Path.Combine(work, "training.csv");
        await ExecuteAsync(duck, $"COPY (SELECT {string.Join(", ", select)} FROM src WHERE {label} IS NOT NULL) TO {Literal(csv)} (HEADER, DELIMITER ',', QUOTE '\"')", ct);
        return new Prepared(csv, features, labelled, classes, positive);
    }

    // ---- training (ML.NET) ----

    private sealed record Result(Dictionary<string, double> Metrics, Dictionary<string, string> Params, List<TrainingArtifact> Artifacts);

    private static async Task<Result> Train(Prepared prepared, BuiltInSpec spec, string work, Func<string, Task> log, CancellationToken ct)
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
            await log($"Cross-validating with {spec.Folds} folds.");
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
        await log("Evaluated: " + string.Join(", ", metrics.Where(m => !m.Key.EndsWith("_rows", StringComparison.Ordinal)).Select(m => $"{m.Key}={m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")));

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
            await using (var onnx = File.Create(onnxPath))
            {
                ml.Model.ConvertToOnnx(final, LoadFeaturesOnly(ml, prepared, work), onnx);
            }

            artifacts.Add(new TrainingArtifact("model/model.onnx", onnxPath, "application/octet-stream"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            File.Delete(onnxPath);
            await log($"ONNX export is not available for this pipeline: {e.Message}");
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
                await log($"The ONNX parity check could not run: {e.Message}");
            }

            var reportPath = Path.Combine(modelFolder, "conversion_report.json");
            await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), ct);
            artifacts.Add(new TrainingArtifact("model/conversion_report.json", reportPath, "application/json"));
            await log($"ONNX parity on {report.Rows} validation rows: " + string.Join(", ", report.MaxAbsDifference.Select(d => $"max |Δ {d.Key}| = {d.Value.ToString("G3", CultureInfo.InvariantCulture)}")) + (report.Passed ? " (passed)" : $" (above {report.Tolerance})"));
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
            await log($"Feature importance could not be computed: {(e.InnerException ?? e).Message}");
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
        int? Int(string key) => h.TryGetValue(key, out var v) ? (int)v : null;
        double? Real(string key) => h.TryGetValue(key, out var v) ? v : null;
        LightGbmBinaryTrainer.Options BinaryLgbm() => new() { NumberOfLeaves = Int("numberOfLeaves") ?? 31, NumberOfIterations = Int("numberOfIterations") ?? 100, LearningRate = Real("learningRate") ?? 0.1, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 20, Seed = spec.Seed };
        FastTreeBinaryTrainer.Options BinaryFastTree() => new() { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, LearningRate = Real("learningRate") ?? 0.2, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 };
        FastForestBinaryTrainer.Options BinaryForest() => new() { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 };
        IEstimator<ITransformer> trainer = (spec.Task, spec.Trainer) switch
        {
            (TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm) => ml.BinaryClassification.Trainers.LightGbm(BinaryLgbm()),
            (TrainingTask.BinaryClassification, TrainerAlgorithm.FastTree) => ml.BinaryClassification.Trainers.FastTree(BinaryFastTree()),
            (TrainingTask.BinaryClassification, TrainerAlgorithm.FastForest) => ml.BinaryClassification.Trainers.FastForest(BinaryForest()),
            (TrainingTask.BinaryClassification, _) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { L1Regularization = (float)(Real("l1Regularization") ?? 1), L2Regularization = (float)(Real("l2Regularization") ?? 1) }),
            (TrainingTask.MulticlassClassification, TrainerAlgorithm.LightGbm) => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 31, NumberOfIterations = Int("numberOfIterations") ?? 100, LearningRate = Real("learningRate") ?? 0.1, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 20, Seed = spec.Seed }),
            (TrainingTask.MulticlassClassification, TrainerAlgorithm.FastTree) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(BinaryFastTree())),
            (TrainingTask.MulticlassClassification, TrainerAlgorithm.FastForest) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastForest(BinaryForest())),
            (TrainingTask.MulticlassClassification, _) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { L1Regularization = (float)(Real("l1Regularization") ?? 1), L2Regularization = (float)(Real("l2Regularization") ?? 1) }),
            (_, TrainerAlgorithm.LightGbm) => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 31, NumberOfIterations = Int("numberOfIterations") ?? 100, LearningRate = Real("learningRate") ?? 0.1, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 20, Seed = spec.Seed }),
            (_, TrainerAlgorithm.FastTree) => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, LearningRate = Real("learningRate") ?? 0.2, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 }),
            (_, TrainerAlgorithm.FastForest) => ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options { NumberOfLeaves = Int("numberOfLeaves") ?? 20, NumberOfTrees = Int("numberOfTrees") ?? 100, MinimumExampleCountPerLeaf = Int("minimumExampleCountPerLeaf") ?? 10 }),
            _ => ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options { L1Regularization = (float?)Real("l1Regularization") ?? 0f, L2Regularization = (float?)Real("l2Regularization") ?? 0.1f, MaximumNumberOfIterations = 100, Shuffle = false, NumberOfThreads = 1 }),
        };
        return pipeline.Append(trainer);
    }

    private static bool Calibrated(BuiltInSpec spec) => spec.Trainer != TrainerAlgorithm.FastForest;

    private static Dictionary<string, double> Evaluate(MLContext ml, IDataView predictions, BuiltInSpec spec) => Evaluate(ml, predictions, spec, out _);

    private static Dictionary<string, double> Evaluate(MLContext ml, IDataView predictions, BuiltInSpec spec, out ConfusionMatrix? confusion)
    {
        confusion = null;
        switch (spec.Task)
        {
            case TrainingTask.BinaryClassification when Calibrated(spec):
                var c = ml.BinaryClassification.Evaluate(predictions);
                confusion = c.ConfusionMatrix;
                return new() { ["auc"] = c.AreaUnderRocCurve, ["accuracy"] = c.Accuracy, ["f1"] = c.F1Score, ["log_loss"] = c.LogLoss, ["precision"] = c.PositivePrecision, ["recall"] = c.PositiveRecall, ["auprc"] = c.AreaUnderPrecisionRecallCurve };
            case TrainingTask.BinaryClassification:
                var n = ml.BinaryClassification.EvaluateNonCalibrated(predictions);
                confusion = n.ConfusionMatrix;
                return new() { ["auc"] = n.AreaUnderRocCurve, ["accuracy"] = n.Accuracy, ["f1"] = n.F1Score, ["precision"] = n.PositivePrecision, ["recall"] = n.PositiveRecall, ["auprc"] = n.AreaUnderPrecisionRecallCurve };
            case TrainingTask.MulticlassClassification:
                var m = ml.MulticlassClassification.Evaluate(predictions);
                confusion = m.ConfusionMatrix;
                return new() { ["accuracy"] = m.MicroAccuracy, ["macro_accuracy"] = m.MacroAccuracy, ["log_loss"] = m.LogLoss, ["f1"] = MacroF1(m.ConfusionMatrix) };
            default:
                var r = ml.Regression.Evaluate(predictions);
                return new() { ["rmse"] = r.RootMeanSquaredError, ["mae"] = r.MeanAbsoluteError, ["r2"] = r.RSquared, ["mse"] = r.MeanSquaredError };
        }
    }

    private static Dictionary<string, double> CrossValidate(MLContext ml, IDataView data, IEstimator<ITransformer> estimator, BuiltInSpec spec)
    {
        IEnumerable<Dictionary<string, double>> folds = spec.Task switch
        {
            TrainingTask.BinaryClassification when Calibrated(spec) => ml.BinaryClassification.CrossValidate(data, estimator, spec.Folds, seed: spec.Seed).Select(f => Evaluate(ml, f.ScoredHoldOutSet, spec)),
            TrainingTask.BinaryClassification => ml.BinaryClassification.CrossValidateNonCalibrated(data, estimator, spec.Folds, seed: spec.Seed).Select(f => Evaluate(ml, f.ScoredHoldOutSet, spec)),
            TrainingTask.MulticlassClassification => ml.MulticlassClassification.CrossValidate(data, estimator, spec.Folds, seed: spec.Seed).Select(f => Evaluate(ml, f.ScoredHoldOutSet, spec)),
            _ => ml.Regression.CrossValidate(data, estimator, spec.Folds, seed: spec.Seed).Select(f => Evaluate(ml, f.ScoredHoldOutSet, spec)),
        };
        var all = folds.ToList();
        return all[0].Keys.ToDictionary(k => k, k => all.Average(f => f[k]));
    }

    private static ConfusionMatrix Confusion(MLContext ml, IDataView predictions, BuiltInSpec spec) => spec.Task switch
    {
        TrainingTask.BinaryClassification when Calibrated(spec) => ml.BinaryClassification.Evaluate(predictions).ConfusionMatrix,
        TrainingTask.BinaryClassification => ml.BinaryClassification.EvaluateNonCalibrated(predictions).ConfusionMatrix,
        _ => ml.MulticlassClassification.Evaluate(predictions).ConfusionMatrix,
    };

    private static double MacroF1(ConfusionMatrix matrix)
    {
        var scores = new List<double>();
        for (var i = 0; i < matrix.NumberOfClasses; i++)
        {
            var precision = matrix.PerClassPrecision[i];
            var recall = matrix.PerClassRecall[i];
            scores.Add(precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        }

        return scores.Count == 0 ? 0 : scores.Average();
    }

    /// <summary>Rows: actual class; columns: predicted class.</summary>
    private static string ConfusionCsv(ConfusionMatrix matrix, IReadOnlyList<string> classes)
    {
        // ML.NET orders binary classes (positive, negative); name them from the matrix's own order.
        var names = matrix.NumberOfClasses == 2 && classes.Count == 2 && classes[0] == "false" ? ["true", "false"] : classes;
        var csv = new StringBuilder("actual \\ predicted");
        foreach (var name in names.Take(matrix.NumberOfClasses))
        {
            csv.Append(',').Append(Csv(name));
        }

        csv.Append('\n');
        for (var i = 0; i < matrix.NumberOfClasses; i++)
        {
            csv.Append(Csv(i < names.Count ? names[i] : i.ToString(CultureInfo.InvariantCulture)));
            for (var j = 0; j < matrix.NumberOfClasses; j++)
            {
                csv.Append(',').Append(matrix.GetCountForClassPair(j, i).ToString(CultureInfo.InvariantCulture));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>
    /// Permutation feature importance on the evaluation rows, summed per original column (one-hot and text
    /// slots belong to their column): the drop in the main metric when the column's values are shuffled.
    /// </summary>
    private static Dictionary<string, double> Importance(MLContext ml, ITransformer model, IDataView input, Prepared prepared, BuiltInSpec spec)
    {
        var chain = (TransformerChain<ITransformer>)model;
        var predictor = chain.LastTransformer;
        var transformed = new TransformerChain<ITransformer>(chain.Take(chain.Count() - 1).ToArray()).Transform(input);
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        transformed.Schema["Features"].GetSlotNames(ref slotNames);
        var names = slotNames.DenseValues().Select(s => s.ToString()).ToList();
        IReadOnlyList<double> drops = GainImportance(predictor) ?? (spec.Task, predictor) switch
        {
            (TrainingTask.BinaryClassification, ISingleFeaturePredictionTransformer<object> p) when Calibrated(spec) =>
                ml.BinaryClassification.PermutationFeatureImportance((ISingleFeaturePredictionTransformer<Microsoft.ML.Calibrators.CalibratedModelParametersBase>)predictor, transformed, permutationCount: 1, numberOfExamplesToUse: ImportanceSampleRows).Select(s => -s.AreaUnderRocCurve.Mean).ToList(),
            (TrainingTask.BinaryClassification, _) =>
                ml.BinaryClassification.PermutationFeatureImportanceNonCalibrated(predictor, transformed, permutationCount: 1, numberOfExamplesToUse: ImportanceSampleRows).Values.Select(s => -s.AreaUnderRocCurve.Mean).ToList(),
            (TrainingTask.MulticlassClassification, _) =>
                ml.MulticlassClassification.PermutationFeatureImportance(predictor, transformed, permutationCount: 1, numberOfExamplesToUse: ImportanceSampleRows).Values.Select(s => -s.MicroAccuracy.Mean).ToList(),
            _ => ml.Regression.PermutationFeatureImportance(predictor, transformed, permutationCount: 1, numberOfExamplesToUse: ImportanceSampleRows).Values.Select(s => s.RootMeanSquaredError.Mean).ToList(),
        };
        var result = prepared.Features.ToDictionary(f => f.Original, _ => 0.0);
        for (var i = 0; i < Math.Min(drops.Count, names.Count); i++)
        {
            var owner = prepared.Features.Where(f => names[i] == f.Column || names[i].StartsWith(f.Column + ".", StringComparison.Ordinal)).MaxBy(f => f.Column.Length);
            if (owner is not null && double.IsFinite(drops[i]))
            {
                result[owner.Original] += drops[i];
            }
        }

        return result;
    }

    /// <summary>
    /// Tree ensembles know each feature's total split gain, which costs nothing to read; other models (linear,
    /// one-versus-all) fall back to permutation importance.
    /// </summary>
    private static IReadOnlyList<double>? GainImportance(ITransformer predictor)
    {
        var parameters = Property(predictor, "Model");
        var inner = (parameters is null ? null : Property(parameters, "SubModel")) ?? parameters;
        var method = inner is Microsoft.ML.Trainers.LinearModelParameters ? null
            : inner?.GetType().GetMethod("GetFeatureWeights", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance, [typeof(VBuffer<float>).MakeByRefType()]);
        if (method is null)
        {
            return null;
        }

        object?[] arguments = [default(VBuffer<float>)];
        method.Invoke(inner, arguments);
        return ((VBuffer<float>)arguments[0]!).DenseValues().Select(w => (double)w).ToList();
    }

    /// <summary>A public property by name, the most derived one when a derived class hides a base property.</summary>
    private static object? Property(object target, string name) =>
        target.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.Name == name && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.DeclaringType == target.GetType() ? 0 : 1)
            .FirstOrDefault()?.GetValue(target);

    private static IDataView LoadFeaturesOnly(MLContext ml, Prepared prepared, string work)
    {
        var header = Path.Combine(work, "features-header.csv");
        if (!File.Exists(header))
        {
            File.WriteAllText(header, string.Join(',', prepared.Features.Select(f => f.Column)) + "\n");
        }

        var columns = prepared.Features.Select((f, i) => new TextLoader.Column(f.Column, f.Kind == FeatureKind.Numeric ? DataKind.Single : DataKind.String, i)).ToArray();
        return ml.Data.LoadFromTextFile(header, columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
    }

    private static FeatureKind? Kind(string type) =>
        IsNumeric(type) || type is "BOOLEAN" or "DATE" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" ? FeatureKind.Numeric
        : type == "VARCHAR" ? FeatureKind.Text
        : null;

    private static bool IsNumeric(string type) => NumericTypes.Contains(type) || type.StartsWith("DECIMAL", StringComparison.Ordinal);

    private static string SafeName(string name, HashSet<string> used)
    {
        var builder = new StringBuilder();
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        var safe = builder.Length == 0 || char.IsAsciiDigit(builder[0]) ? "c_" + builder : builder.ToString();
        var candidate = safe;
        for (var i = 2; !used.Add(candidate); i++)
        {
            candidate = $"{safe}_{i}";
        }

        return candidate;
    }

    private static async Task<List<string>> DistinctAsync(DuckDBConnection duck, string column, int limit, CancellationToken ct)
    {
        var values = new List<string>();
        await using var command = duck.CreateCommand();
        command.CommandText = $"SELECT DISTINCT CAST({column} AS VARCHAR) AS v FROM src WHERE {column} IS NOT NULL ORDER BY v LIMIT {limit}";
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task ExecuteAsync(DuckDBConnection duck, string sql, CancellationToken ct)
    {
        await using var command = duck.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(DuckDBConnection duck, string sql, CancellationToken ct)
    {
        await using var command = duck.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Csv(string value) => value.Contains(',') || value.Contains('"') || value.Contains('\n') ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    private static long CountRows(IDataView data)
    {
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            count++;
        }

        return count;
    }
}
