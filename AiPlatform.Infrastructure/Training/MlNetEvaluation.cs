using System.Globalization;
using System.Text;
using AiPlatform.Core.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using static AiPlatform.Infrastructure.Training.MlNetDataPreparation;
using static AiPlatform.Infrastructure.Training.MlNetTrainer;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// The metrics side of the built-in trainers: evaluation on a holdout split or k folds, the confusion matrix, feature
/// importance (split gain for tree ensembles, permutation otherwise) and the small text helpers of the files written.
/// </summary>
internal static class MlNetEvaluation
{
    internal static bool Calibrated(BuiltInSpec spec) => spec.Trainer != TrainerAlgorithm.FastForest;

    internal static Dictionary<string, double> Evaluate(MLContext ml, IDataView predictions, BuiltInSpec spec) => Evaluate(ml, predictions, spec, out _);

    internal static Dictionary<string, double> Evaluate(MLContext ml, IDataView predictions, BuiltInSpec spec, out ConfusionMatrix? confusion)
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

    internal static Dictionary<string, double> CrossValidate(MLContext ml, IDataView data, IEstimator<ITransformer> estimator, BuiltInSpec spec)
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

    internal static ConfusionMatrix Confusion(MLContext ml, IDataView predictions, BuiltInSpec spec) => spec.Task switch
    {
        TrainingTask.BinaryClassification when Calibrated(spec) => ml.BinaryClassification.Evaluate(predictions).ConfusionMatrix,
        TrainingTask.BinaryClassification => ml.BinaryClassification.EvaluateNonCalibrated(predictions).ConfusionMatrix,
        _ => ml.MulticlassClassification.Evaluate(predictions).ConfusionMatrix,
    };

    internal static double MacroF1(ConfusionMatrix matrix)
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
    internal static string ConfusionCsv(ConfusionMatrix matrix, IReadOnlyList<string> classes)
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
    internal static Dictionary<string, double> Importance(MLContext ml, ITransformer model, IDataView input, Prepared prepared, BuiltInSpec spec)
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
    internal static IReadOnlyList<double>? GainImportance(ITransformer predictor)
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
    internal static object? Property(object target, string name) =>
        target.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.Name == name && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.DeclaringType == target.GetType() ? 0 : 1)
            .FirstOrDefault()?.GetValue(target);

    internal static IDataView LoadFeaturesOnly(MLContext ml, Prepared prepared, string work)
    {
        var header = Path.Combine(work, "features-header.csv");
        if (!File.Exists(header))
        {
            File.WriteAllText(header, string.Join(',', prepared.Features.Select(f => f.Column)) + "\n");
        }

        var columns = prepared.Features.Select((f, i) => new TextLoader.Column(f.Column, f.Kind == FeatureKind.Numeric ? DataKind.Single : DataKind.String, i)).ToArray();
        return ml.Data.LoadFromTextFile(header, columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
    }

    internal static string Csv(string value) => value.Contains(',') || value.Contains('"') || value.Contains('\n') ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    internal static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    internal static long CountRows(IDataView data)
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
