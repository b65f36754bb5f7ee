using AiPlatform.Core.Common;

namespace AiPlatform.Core.Data;

public static class DatasetFormats
{
    /// <summary>The format a file name says; throws a validation error for anything else.</summary>
    public static DatasetFormat FromFileName(string? fileName)
    {
        var name = (fileName ?? string.Empty).ToLowerInvariant();
        return name switch
        {
            _ when name.EndsWith(".csv", StringComparison.Ordinal) => DatasetFormat.Csv,
            _ when name.EndsWith(".tsv", StringComparison.Ordinal) || name.EndsWith(".tab", StringComparison.Ordinal) => DatasetFormat.Tsv,
            _ when name.EndsWith(".parquet", StringComparison.Ordinal) => DatasetFormat.Parquet,
            _ when name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".ndjson", StringComparison.Ordinal) => DatasetFormat.JsonLines,
            _ => throw new ValidationException("fileName", "Upload a .csv, .tsv, .parquet or .jsonl file.") { MessageKey = "Error.Data.FileType" },
        };
    }

    public static string Extension(this DatasetFormat format) => format switch
    {
        DatasetFormat.Csv => "csv",
        DatasetFormat.Tsv => "tsv",
        DatasetFormat.Parquet => "parquet",
        DatasetFormat.JsonLines => "jsonl",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
