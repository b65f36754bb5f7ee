using System.Globalization;
using System.Text;
using AiPlatform.Core.Data;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.DuckDb;
using DuckDB.NET.Data;
using static AiPlatform.Infrastructure.Training.MlNetTrainer;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// The data side of the built-in trainers: DuckDB reads the dataset version and writes exactly the columns needed as
/// a CSV (label converted for the task, rows without a label dropped, numbers as doubles), and decides each feature's
/// kind (numeric, categorical or free text).
/// </summary>
internal static class MlNetDataPreparation
{
    internal static readonly string[] NumericTypes = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL"];

    internal enum FeatureKind
    {
        Numeric,
        Categorical,
        Text,
    }

    internal sealed record PreparedFeature(string Original, string Column, FeatureKind Kind);

    internal sealed record Prepared(string CsvPath, IReadOnlyList<PreparedFeature> Features, long Rows, IReadOnlyList<string> Classes, string? PositiveClass);

    internal static async Task<Prepared> PrepareAsync(string dataPath, DatasetFormat format, BuiltInSpec spec, string work, CancellationToken ct)
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
            throw new TrainingFailedException($"No row has a value in the label column '{spec.Label}': there is nothing to train on.", "Error.Training.NoLabelValues", spec.Label);
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
            var type = types.GetValueOrDefault(original) ?? throw new TrainingFailedException($"The dataset version has no column '{original}'.", "Error.Training.NoColumn", original);
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

    internal static FeatureKind? Kind(string type) =>
        IsNumeric(type) || type is "BOOLEAN" or "DATE" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" ? FeatureKind.Numeric
        : type == "VARCHAR" ? FeatureKind.Text
        : null;

    internal static bool IsNumeric(string type) => NumericTypes.Contains(type) || type.StartsWith("DECIMAL", StringComparison.Ordinal);

    internal static string SafeName(string name, HashSet<string> used)
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

    internal static async Task<List<string>> DistinctAsync(DuckDBConnection duck, string column, int limit, CancellationToken ct)
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

    internal static async Task ExecuteAsync(DuckDBConnection duck, string sql, CancellationToken ct)
    {
        await using var command = duck.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    internal static async Task<object?> ScalarAsync(DuckDBConnection duck, string sql, CancellationToken ct)
    {
        await using var command = duck.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }

    internal static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
