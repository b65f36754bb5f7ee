namespace AiPlatform.Core.Data;

public enum DatasetFormat
{
    Csv,
    Tsv,
    Parquet,
    JsonLines,
}
