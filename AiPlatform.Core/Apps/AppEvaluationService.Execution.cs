using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Apps;

public sealed partial class AppEvaluationService
{
    /// <summary>
    /// The job's work, with the starter's rights (the handler set them): reads the rows, runs and scores each, logs the
    /// experiment run, and records how it ended. Cancellation marks the evaluation cancelled and is passed on.
    /// </summary>
    internal async Task ExecuteAsync(AppEvaluation evaluation, JobExecutionContext job, CancellationToken ct)
    {
        try
        {
            var (app, _) = await apps.RequireAsync(evaluation.AppId, PermissionLevel.Write, ct);
            var version = await appStore.FindVersionAsync(app.Id, evaluation.VersionNumber, ct) ?? throw new NotFoundException("App version", evaluation.VersionNumber);
            var (dataset, _) = await datasets.GetAsync(evaluation.DatasetId, ct);
            var datasetVersion = await FindDatasetVersionAsync(dataset.Id, evaluation.DatasetVersion, ct);
            var settings = AppEvaluationSettings.FromJson(evaluation.SettingsJson);
            var starter = await access.RequireContextAsync(ct);
            var publisher = await users.FindAsync(version.CreatedBy, ct) is { IsDisabled: false } user
                ? new CallerIdentity(user.Id, user.UserName)
                : throw new ConflictException($"Version {version.Number} of '{app.Slug}' cannot run: the user who published it is disabled or deleted.") { MessageKey = "Apps.Error.PublisherInactive", MessageArguments = [app.Slug] };

            var table = await ReadRowsAsync(datasetVersion, ct);
            evaluation.Status = AppEvaluationStatus.Running;
            evaluation.RowCount = table.Rows.Count;
            evaluation.RowsDone = 0;
            evaluation.RowsFailed = 0;
            await store.UpdateAsync(evaluation, ct);
            await job.LogAsync($"Evaluating {table.Rows.Count} rows.", JobText.Of("Apps.Eval.Log.Rows", table.Rows.Count), ct);

            var graph = AppGraph.FromJson(version.GraphJson);
            var results = new AppEvaluationRow[table.Rows.Count];
            var caller = new CallerIdentity(starter.UserId, starter.UserName);
            var progressGate = new SemaphoreSlim(1, 1);
            var lastReport = time.GetUtcNow();
            await Parallel.ForEachAsync(Enumerable.Range(0, table.Rows.Count), new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct }, async (index, token) =>
            {
                var row = await EvaluateRowAsync(app, graph, version, caller, publisher, settings, table, index, token);
                results[index] = row;
                await progressGate.WaitAsync(token);
                try
                {
                    evaluation.RowsDone++;
                    evaluation.RowsFailed += row.Error is null ? 0 : 1;
                    var now = time.GetUtcNow();
                    if (now - lastReport >= TimeSpan.FromSeconds(1) || evaluation.RowsDone == table.Rows.Count)
                    {
                        lastReport = now;
                        await store.UpdateAsync(evaluation, token);
                        await job.ReportProgressAsync(0.05 + (0.9 * evaluation.RowsDone / Math.Max(1, table.Rows.Count)), $"{evaluation.RowsDone}/{table.Rows.Count} rows", token);
                    }
                }
                finally
                {
                    progressGate.Release();
                }
            });

            var summary = Summarize(settings, results);
            var runId = await LogExperimentRunAsync(app, version, dataset, datasetVersion, settings, summary, results, ct);
            evaluation.ExperimentRunId = runId.ToString();
            evaluation.SummaryJson = JsonSerializer.Serialize(summary, AppEvaluationSettings.Json);
            evaluation.Status = AppEvaluationStatus.Succeeded;
            evaluation.EndedAt = time.GetUtcNow();
            await store.UpdateAsync(evaluation, CancellationToken.None);
            await job.ReportProgressAsync(1, "Done", ct);
            await job.LogAsync($"Evaluated {results.Length} rows; pass rate {summary.GetValueOrDefault("pass_rate"):0.###}.", JobText.Of("Apps.Eval.Log.Done", results.Length, summary.GetValueOrDefault("pass_rate")), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            evaluation.Status = AppEvaluationStatus.Cancelled;
            evaluation.EndedAt = time.GetUtcNow();
            await store.UpdateAsync(evaluation, CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            evaluation.Status = AppEvaluationStatus.Failed;
            evaluation.Error = e.Message.Length > 4000 ? e.Message[..4000] : e.Message;
            evaluation.EndedAt = time.GetUtcNow();
            await store.UpdateAsync(evaluation, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Marks an evaluation whose job was interrupted as failed with the reason.</summary>
    internal async Task InterruptedAsync(Guid evaluationId, string reason, CancellationToken ct)
    {
        if (await store.FindAsync(evaluationId, ct) is { Status: AppEvaluationStatus.Queued or AppEvaluationStatus.Running } evaluation)
        {
            evaluation.Status = AppEvaluationStatus.Failed;
            evaluation.Error = reason;
            evaluation.EndedAt = time.GetUtcNow();
            await store.UpdateAsync(evaluation, ct);
        }
    }

    private async Task<DatasetRows> ReadRowsAsync(DatasetVersion version, CancellationToken ct)
    {
        await using var file = await datasets.ColumnarCopyAsync(version, ct);
        var format = version.Format == DatasetFormat.Parquet || version.ColumnarKey is not null ? DatasetFormat.Parquet : version.Format;
        var rows = new List<IReadOnlyList<string?>>();
        IReadOnlyList<DatasetColumn> columns = version.Columns;
        while (rows.Count < MaxRows)
        {
            var page = await engine.ReadAsync(file.Path, format, rows.Count, Math.Min(ReadPage, MaxRows - rows.Count), null, false, ct);
            columns = page.Columns;
            rows.AddRange(page.Rows);
            if (page.Rows.Count < ReadPage)
            {
                break;
            }
        }

        return new DatasetRows(columns, rows, rows.Count, 0);
    }

    private async Task<AppEvaluationRow> EvaluateRowAsync(App app, AppGraph graph, AppVersion version, CallerIdentity caller, CallerIdentity publisher, AppEvaluationSettings settings, DatasetRows table, int index, CancellationToken ct)
    {
        var values = table.Rows[index];
        string? Cell(string? column)
        {
            if (column is null)
            {
                return null;
            }

            for (var i = 0; i < table.Columns.Count; i++)
            {
                if (table.Columns[i].Name == column)
                {
                    return i < values.Count ? values[i] : null;
                }
            }

            return null;
        }

        var inputs = new JsonObject();
        foreach (var (field, column) in settings.Inputs ?? new Dictionary<string, string>())
        {
            inputs[field] = Cell(column);
        }

        var query = Cell(settings.Query);
        var expected = Cell(settings.Expected);
        var scores = new Dictionary<string, AppEvaluationScore>(StringComparer.Ordinal);
        AppRun? run = null;
        string? output = null;
        string? error = null;
        try
        {
            run = await runs.RunVersionForEvaluationAsync(app, graph, version, caller, publisher, new AppRunInput((JsonObject)inputs.DeepClone(), query), ct);
            if (run.Status == AppRunStatus.Succeeded)
            {
                output = OutputOf(app, run, settings.Output);
            }
            else
            {
                error = run.Error ?? run.Status.ToString();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            error = e.Message;
        }

        if (output is not null)
        {
            foreach (var scorer in settings.Scorers)
            {
                try
                {
                    scores[scorer.MetricName] = await ScoreAsync(scorer, output, expected, query ?? inputs.ToJsonString(), ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    error ??= $"{scorer.MetricName}: {e.Message}";
                    scores[scorer.MetricName] = AppEvaluationScore.Of(false);
                }
            }
        }

        var passed = error is null && settings.Scorers.All(s => scores.GetValueOrDefault(s.MetricName)?.Passed == true);
        return new AppEvaluationRow(index + 1, inputs, query, output, expected, scores, passed, error, run?.DurationMs ?? 0, (run?.PromptTokens ?? 0) + (run?.CompletionTokens ?? 0), run?.Id);
    }

    /// <summary>What is scored: a chat app's answer; a workflow's named output, its only output, or all outputs as JSON.</summary>
    public static string OutputOf(App app, AppRun run, string? field)
    {
        if (app.Kind == AppKind.Chat && field is null)
        {
            return run.Answer ?? string.Empty;
        }

        var outputs = JsonNode.Parse(run.OutputsJson ?? "{}") as JsonObject ?? [];
        var value = field is not null ? outputs[field] : outputs.Count == 1 ? outputs.First().Value : outputs;
        return value switch
        {
            null => string.Empty,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => value.ToJsonString(),
        };
    }

    private async Task<AppEvaluationScore> ScoreAsync(AppEvaluationScorer scorer, string output, string? expected, string question, CancellationToken ct)
    {
        switch (scorer.Kind)
        {
            case AppEvaluationScorers.Embedding:
            {
                var model = AppEvaluationScorers.Text(scorer, "model") is { Length: > 0 } m ? m : KnowledgeBase.LocalEmbedding;
                var context = await access.RequireContextAsync(ct);
                var embedder = await embedders.GetAsync(model, context.UserId, ct);
                var vectors = await embedder.EmbedAsync([output, expected ?? string.Empty], ct);
                var similarity = AppEvaluationScorers.Cosine(vectors[0], vectors[1]);
                return new AppEvaluationScore(Math.Clamp(similarity, 0, 1), similarity >= (AppEvaluationScorers.Number(scorer, "threshold") ?? 0.8));
            }

            case AppEvaluationScorers.LlmJudge:
            {
                var scale = 5;
                var rubric = AppEvaluationScorers.Text(scorer, "rubric") is { Length: > 0 } r ? r : "The answer is correct, complete and relevant to the question.";
                var prompt = new StringBuilder()
                    .AppendLine("You are grading an AI application's answer against a rubric.")
                    .AppendLine(CultureInfo.InvariantCulture, $"Rubric: {rubric}")
                    .AppendLine(CultureInfo.InvariantCulture, $"Question or inputs: {question}")
                    .AppendLine(CultureInfo.InvariantCulture, $"Answer: {output}");
                if (expected is not null)
                {
                    prompt.AppendLine(CultureInfo.InvariantCulture, $"Reference answer: {expected}");
                }

                prompt.AppendLine(CultureInfo.InvariantCulture, $"Reply with JSON only: {{\"score\": <integer from 1 (fails the rubric) to {scale} (fully meets it)>, \"reason\": \"<one sentence>\"}}.");
                // Structured output where the provider has it (the score one of 1…scale); the reply is parsed leniently either way.
                var schema = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["score"] = new JsonObject { ["type"] = "integer", ["enum"] = new JsonArray([.. Enumerable.Range(1, scale).Select(i => (JsonNode)i)]) },
                        ["reason"] = new JsonObject { ["type"] = "string" },
                    },
                    ["required"] = new JsonArray("score", "reason"),
                    ["additionalProperties"] = false,
                };
                var reply = await LlmCall.CompleteForWorkAsync(gateway, scorer.MetricName, new LlmAsk(
                    AppEvaluationScorers.Text(scorer, "model")!,
                    [LlmCall.Message("user", prompt.ToString())],
                    0,
                    200,
                    LlmCall.SchemaFormat("grade", schema)), ct);
                var value = AppEvaluationScorers.JudgeScore(reply.Text, scale)
                    ?? throw new ValidationException("judge", $"The judge's reply has no score: {ServiceNodeConfig.Excerpt(reply.Text)}") { MessageKey = "Apps.Error.EvalJudgeNoScore", MessageArguments = [scorer.MetricName] };
                return new AppEvaluationScore(value, value >= (AppEvaluationScorers.Number(scorer, "threshold") ?? 0.75));
            }

            default:
                return AppEvaluationScorers.ScoreText(scorer, output, expected);
        }
    }
}
