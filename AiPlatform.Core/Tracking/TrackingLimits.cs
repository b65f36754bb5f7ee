using System.Text.RegularExpressions;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

/// <summary>MLflow's limits and name rules, so that what MLflow accepts is accepted here and nothing more.</summary>
public static partial class TrackingLimits
{
    public const int MaxKeyLength = 250;
    public const int MaxParamValueLength = 6000;
    public const int MaxRunTagValueLength = 5000;
    public const int MaxExperimentTagValueLength = 20000;
    public const int MaxExperimentNameLength = 500;
    public const int MaxRunNameLength = 250;
    public const int MaxBatchMetrics = 1000;
    public const int MaxBatchParams = 100;
    public const int MaxBatchTags = 100;
    public const int MaxBatchEntities = 1000;
    public const int MaxBatchRequestBytes = 1024 * 1024;
    public const int DefaultSearchResults = 1000;
    public const int MaxSearchResults = 50000;
    public const string NoteTag = "mlflow.note.content";
    public const string RunNameTag = "mlflow.runName";
    public const string ParentRunTag = "mlflow.parentRunId";
    public const string ProjectTag = "aiplatform.project";

    /// <summary>Checks a metric, param or tag key: alphanumerics, underscores, periods, dashes, spaces, colons and slashes, no "..", no leading "/".</summary>
    public static string ValidKey(string? key, string what)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ValidationException("key", $"Missing value for required parameter '{what} key'.");
        }

        if (key.Length > MaxKeyLength)
        {
            throw new ValidationException("key", $"{what} key '{key[..20]}…' had length {key.Length}, which exceeded length limit of {MaxKeyLength}.");
        }

        if (!KeyPattern().IsMatch(key) || key.StartsWith('/') || key.Split('/').Any(part => part == ".."))
        {
            throw new ValidationException("key", $"Invalid {what} name: '{key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).");
        }

        return key;
    }

    public static string ValidValue(string? value, int limit, string what, string key)
    {
        value ??= string.Empty;
        return value.Length > limit
            ? throw new ValidationException("value", $"{what} value '{value[..20]}…' for key '{key}' had length {value.Length}, which exceeded length limit of {limit}.")
            : value;
    }

    [GeneratedRegex(@"^[\w.\- :/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
