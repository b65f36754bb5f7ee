using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;

namespace AiPlatform.Core.Training;

/// <summary>
/// What a built-in training needs of its columns, checked the same way in the wizard (on the step where the label and
/// features are chosen) and at submit: the label suits the task, the features exist and have usable types, and which
/// columns are identifiers that the wizard leaves out of the default features. Column types are DuckDB's names.
/// </summary>
public static class BuiltInSpecRules
{
    private static readonly string[] NumericTypes = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL"];
    private static readonly string[] IntegerTypes = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"];

    /// <summary>Fewer rows than this tell nothing about uniqueness (two rows are always "unique").</summary>
    public const long IdLikeMinimumRows = 20;

    public static bool IsNumeric(string type) => NumericTypes.Contains(type) || type.StartsWith("DECIMAL", StringComparison.Ordinal);

    /// <summary>Whether the built-in trainers can use a column of <paramref name="type"/> as a feature.</summary>
    public static bool IsUsableFeature(string type) =>
        IsNumeric(type) || type is "BOOLEAN" or "DATE" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" or "VARCHAR";

    /// <summary>
    /// Why <paramref name="label"/> does not suit <paramref name="task"/>, or null when it does: it is missing, not a
    /// column, of the wrong type, or (with the version's profile) holds one class only, or more than two for a binary task.
    /// </summary>
    public static ValidationException? CheckLabel(TrainingTask task, string? label, IReadOnlyList<DatasetColumn> columns, ColumnProfile? profile = null)
    {
        if (string.IsNullOrEmpty(label))
        {
            return TrainingErrors.Invalid("label", TrainingErrors.LabelMissing, "Choose the label column (the value to predict).");
        }

        if (columns.FirstOrDefault(c => c.Name == label) is not { } column)
        {
            var names = string.Join(", ", columns.Select(c => c.Name));
            return TrainingErrors.Invalid("label", TrainingErrors.LabelNotColumn, $"The dataset version has no column '{label}'. Columns: {names}.", label, names);
        }

        var type = column.Type;
        if (task == TrainingTask.Regression && !IsNumeric(type))
        {
            return TrainingErrors.Invalid("label", TrainingErrors.LabelRegressionNumeric, $"Regression needs a numeric label; '{label}' is {type}.", label, type);
        }

        if (task != TrainingTask.Regression && !(IsNumeric(type) || type is "BOOLEAN" or "VARCHAR"))
        {
            return TrainingErrors.Invalid("label", TrainingErrors.LabelClassificationType, $"Classification needs a boolean, number or text label; '{label}' is {type}.", label, type);
        }

        if (task != TrainingTask.Regression && profile is not null && profile.Count - profile.Nulls > 0)
        {
            var classes = Classes(profile);
            if (classes <= 1)
            {
                return TrainingErrors.Invalid("label", TrainingErrors.LabelSingleClass, $"'{label}' has a single value in this version; a classifier needs at least two classes.", label);
            }

            if (task == TrainingTask.BinaryClassification && classes > 2)
            {
                return TrainingErrors.Invalid("label", TrainingErrors.LabelBinaryClasses, $"'{label}' has more than two values ({classes}); choose multiclass classification or another label.", label, classes);
            }
        }

        return null;
    }

    /// <summary>Why the features do not suit the spec, or null when they do.</summary>
    public static ValidationException? CheckFeatures(string? label, IReadOnlyList<string>? features, IReadOnlyList<DatasetColumn> columns)
    {
        if (features is not { Count: > 0 })
        {
            return TrainingErrors.Invalid("features", TrainingErrors.FeaturesNone, "Choose at least one feature column.");
        }

        foreach (var feature in features)
        {
            if (columns.FirstOrDefault(c => c.Name == feature) is not { } column)
            {
                return TrainingErrors.Invalid("features", TrainingErrors.FeatureNotColumn, $"The dataset version has no column '{feature}'.", feature);
            }

            if (feature == label)
            {
                return TrainingErrors.Invalid("features", TrainingErrors.FeatureIsLabel, $"The label '{feature}' cannot also be a feature.", feature);
            }

            if (!IsUsableFeature(column.Type))
            {
                return TrainingErrors.Invalid("features", TrainingErrors.FeatureType, $"Column '{feature}' has the type {column.Type}, which the built-in trainers cannot use.", feature, column.Type);
            }
        }

        return features.Distinct(StringComparer.Ordinal).Count() != features.Count
            ? TrainingErrors.Invalid("features", TrainingErrors.FeatureTwice, "A feature column is listed twice.")
            : null;
    }

    /// <summary>
    /// Whether a column identifies rows rather than describing them (a customer id, a UUID): UUIDs always; with the
    /// version's profile, text or integer columns with a distinct value in (nearly) every row; without one, a column
    /// named like an id (<c>id</c>, <c>customer_id</c>, <c>customerId</c>, <c>uuid</c>). Such columns are left out of the
    /// default features (a model that learns ids does not generalise); the user can still choose them.
    /// </summary>
    public static bool IsIdLike(DatasetColumn column, ColumnProfile? profile, long rows)
    {
        if (column.Type == "UUID")
        {
            return true;
        }

        if (profile is null)
        {
            return NamedLikeId(column.Name);
        }

        var values = profile.Count - profile.Nulls;
        var identifierType = column.Type == "VARCHAR" || IntegerTypes.Contains(column.Type);
        // Distinct counts are approximate (HyperLogLog, a few percent off): "unique" is 95 % of the non-null values or more.
        return identifierType && Math.Max(values, rows) >= IdLikeMinimumRows && values > 0 && profile.ApproxDistinct >= 0.95 * values;
    }

    private static bool NamedLikeId(string name)
    {
        var lower = name.ToLowerInvariant();
        return lower is "id" or "uuid" or "guid" or "key" || lower.EndsWith("_id", StringComparison.Ordinal) || lower.EndsWith("-id", StringComparison.Ordinal)
            || lower.EndsWith("uuid", StringComparison.Ordinal) || (name.Length > 2 && name.EndsWith("Id", StringComparison.Ordinal) && char.IsLower(name[^3]));
    }

    /// <summary>How many classes a label column holds: its distinct non-null values (exact from the top values when they are all there).</summary>
    private static long Classes(ColumnProfile profile)
    {
        var top = profile.TopValues.Where(v => v.Value is not null).ToList();
        if (top.Count > 0 && top.Count < 5)
        {
            return top.Count;
        }

        if (IsNumeric(profile.Type) && profile.Min is { } min && profile.Max is { } max && min == max)
        {
            return 1;
        }

        return Math.Max(profile.ApproxDistinct, top.Count);
    }

    /// <summary>A hyperparameter value as the wizard shows it (invariant, short).</summary>
    public static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
