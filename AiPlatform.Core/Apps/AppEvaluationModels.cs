using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>
/// What an evaluation does with a dataset's rows: start field ← column (<see cref="Inputs"/>), a chat app's question
/// ← column (<see cref="Query"/>), the expected output's column, which output to score (a workflow's output field; a chat
/// app's answer by default), the scorers, and how many rows run at once (1 … 8).
/// </summary>
public sealed record AppEvaluationSettings(
    IReadOnlyDictionary<string, string>? Inputs,
    string? Query,
    string? Expected,
    string? Output,
    IReadOnlyList<AppEvaluationScorer> Scorers,
    int Concurrency = 4)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AppEvaluationSettings FromJson(string json) =>
        JsonSerializer.Deserialize<AppEvaluationSettings>(json, Json) ?? throw new InvalidOperationException("The evaluation has no settings.");
}

/// <summary>
/// Asks for an evaluation: the app version (null: the published one), the dataset and its version number (null: the
/// newest), and the settings.
/// </summary>
public sealed record AppEvaluationRequest(int? Version, Guid DatasetId, int? DatasetVersion, AppEvaluationSettings Settings);

/// <summary>One row's result, as written to the run's <c>evaluation.csv</c> and <c>evaluation.json</c>.</summary>
public sealed record AppEvaluationRow(
    int Row,
    JsonObject Inputs,
    string? Query,
    string? Output,
    string? Expected,
    IReadOnlyDictionary<string, AppEvaluationScore> Scores,
    bool Passed,
    string? Error,
    double LatencyMs,
    long Tokens,
    Guid? RunId);
