using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Evaluations of an app version over a dataset version (job <c>app.evaluate</c>): every row runs the version like a
/// published run (source <c>evaluation</c>, with the publisher's rights) and is scored; the results are logged as a run of
/// the experiment <c>App evaluation: &lt;slug&gt;</c> in the starter's Default project (params, metrics, and the per-row
/// table as <c>evaluation.csv</c> and <c>evaluation.json</c>), so two evaluations compare on the run compare page.
/// Starting and cancelling take Write on the app and Read on the dataset; listing and reading take Write on the app
/// (the rows hold the dataset's content).
/// </summary>
public sealed partial class AppEvaluationService(
    AccessService access,
    AppService apps,
    IAppStore appStore,
    IAppEvaluationStore store,
    AppRunService runs,
    DatasetService datasets,
    IDatasetEngine engine,
    JobService jobs,
    ExperimentService experiments,
    RunService trackingRuns,
    ArtifactService artifacts,
    IEmbedderFactory embedders,
    GatewayService gateway,
    IUserDirectory users,
    AuditRecorder audit,
    TimeProvider time)
{
    /// <summary>The most rows one evaluation reads.</summary>
    public const int MaxRows = 10_000;

    public const int MaxConcurrency = 8;

    public const int MaxScorers = 10;

    private const int ReadPage = 1_000;

    public static string ExperimentName(string slug) => $"App evaluation: {slug}";

    /// <summary>An app's evaluations, newest first (Write on the app).</summary>
    public async Task<PagedResult<AppEvaluation>> ListAsync(Guid appId, PageRequest page, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Write, ct);
        return await store.ListAsync(app.Id, page, ct);
    }

    /// <summary>One evaluation of the app (Write on the app).</summary>
    public async Task<AppEvaluation> GetAsync(Guid appId, Guid id, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Write, ct);
        return await store.FindAsync(id, ct) is { } evaluation && evaluation.AppId == app.Id ? evaluation : throw new NotFoundException("App evaluation", id);
    }

    /// <summary>Checks the request and queues the job; bad columns, scorers or versions are refused here, before any row runs.</summary>
    public async Task<AppEvaluation> StartAsync(Guid appId, AppEvaluationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Write, ct);
        var version = request.Version is { } number
            ? await appStore.FindVersionAsync(app.Id, number, ct) ?? throw new NotFoundException("App version", number) { MessageKey = "Apps.Error.EvalVersionNotFound", MessageArguments = [number] }
            : app.PublishedVersionId is { } published && await appStore.FindVersionAsync(published, ct) is { } current
                ? current
                : throw new ValidationException("version", $"The app '{app.Slug}' has no published version to evaluate; publish it or name a version.") { MessageKey = "Apps.Error.EvalNotPublished", MessageArguments = [app.Slug] };
        var (dataset, _) = await datasets.GetAsync(request.DatasetId, ct);
        var datasetVersion = await FindDatasetVersionAsync(dataset.Id, request.DatasetVersion, ct);
        var settings = Validate(app, request.Settings, datasetVersion);
        var context = await access.RequireContextAsync(ct);
        var now = time.GetUtcNow();
        var evaluation = new AppEvaluation
        {
            Id = Guid.CreateVersion7(now),
            AppId = app.Id,
            VersionNumber = version.Number,
            DatasetId = dataset.Id,
            DatasetVersion = datasetVersion.Number,
            SettingsJson = settings.ToJson(),
            JobId = Guid.CreateVersion7(now),
            Status = AppEvaluationStatus.Queued,
            RowCount = (int)Math.Min(MaxRows, datasetVersion.RowCount),
            CreatedBy = context.UserId,
            CreatedAt = now,
        };
        await store.AddAsync(evaluation, await audit.EntryAsync("app.evaluation.start", SecurableTypes.App, app.Id, new
        {
            evaluation = evaluation.Id,
            version = version.Number,
            dataset = dataset.Name,
            datasetVersion = datasetVersion.Number,
            scorers = settings.Scorers.Select(s => s.MetricName).ToList(),
        }, ct), ct);
        await jobs.EnqueueWithIdAsync(evaluation.JobId!.Value, new JobRequest(
            AppEvaluationHandler.JobKind,
            $"Evaluate {app.Slug} v{version.Number} on {dataset.Name} v{datasetVersion.Number}",
            SecurableTypes.App,
            app.Id.ToString(),
            JsonSerializer.SerializeToElement(new AppEvaluationHandler.Parameters(evaluation.Id), AppEvaluationSettings.Json),
            JobText.Of("Apps.Eval.JobTitle", app.Slug, version.Number, dataset.Name, datasetVersion.Number)), context.UserName, null, ct);
        return evaluation;
    }

    /// <summary>Asks a queued or running evaluation to stop (Write on the app); 409 once it ended.</summary>
    public async Task<AppEvaluation> CancelAsync(Guid appId, Guid id, CancellationToken ct)
    {
        var evaluation = await GetAsync(appId, id, ct);
        if (evaluation.Status is not (AppEvaluationStatus.Queued or AppEvaluationStatus.Running) || evaluation.JobId is not { } jobId)
        {
            throw new ConflictException("The evaluation has already ended.") { MessageKey = "Apps.Error.EvalEnded" };
        }

        var context = await access.RequireContextAsync(ct);
        await jobs.RequestCancelForWorkAsync(jobId, context.UserName, await audit.EntryAsync("app.evaluation.cancel", SecurableTypes.App, appId, new { evaluation = id }, ct), ct);
        if (evaluation.Status == AppEvaluationStatus.Queued)
        {
            evaluation.Status = AppEvaluationStatus.Cancelled;
            evaluation.EndedAt = time.GetUtcNow();
            await store.UpdateAsync(evaluation, ct);
        }

        return evaluation;
    }

    /// <summary>
    /// The settings checked against the app and the dataset version: known scorers with valid settings and unique
    /// names, mapped columns that exist, an expected column where a scorer compares with one, a question for a chat app.
    /// </summary>
    public static AppEvaluationSettings Validate(App app, AppEvaluationSettings? settings, DatasetVersion datasetVersion)
    {
        if (settings is null)
        {
            throw new ValidationException("settings", "The evaluation needs settings.") { MessageKey = "Apps.Error.EvalScorersCount", MessageArguments = [MaxScorers] };
        }

        var scorers = settings.Scorers ?? [];
        if (scorers.Count is 0 or > MaxScorers)
        {
            throw new ValidationException("scorers", $"An evaluation has 1 to {MaxScorers} scorers.") { MessageKey = "Apps.Error.EvalScorersCount", MessageArguments = [MaxScorers] };
        }

        foreach (var scorer in scorers)
        {
            AppEvaluationScorers.Validate(scorer);
            if (!MetricKey().IsMatch(scorer.MetricName))
            {
                throw new ValidationException("scorers", $"The scorer name '{scorer.MetricName}' may only contain letters, digits, '_', '-' and '.'.") { MessageKey = "Apps.Error.EvalScorerName", MessageArguments = [scorer.MetricName] };
            }
        }

        if (scorers.GroupBy(s => s.MetricName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ValidationException("scorers", $"Two scorers are named '{twice.Key}'; give them different names.") { MessageKey = "Apps.Error.EvalScorerDuplicate", MessageArguments = [twice.Key] };
        }

        if (settings.Concurrency is < 1 or > MaxConcurrency)
        {
            throw new ValidationException("concurrency", $"Concurrency is between 1 and {MaxConcurrency}.") { MessageKey = "Apps.Error.EvalConcurrency", MessageArguments = [MaxConcurrency] };
        }

        var columns = datasetVersion.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        void RequireColumn(string? column, string field)
        {
            if (column is not null && !columns.Contains(column))
            {
                throw new ValidationException(field, $"'{column}' is not a column of dataset version {datasetVersion.Number}; it has {string.Join(", ", columns)}.")
                {
                    MessageKey = "Apps.Error.EvalColumn",
                    MessageArguments = [column, datasetVersion.Number],
                };
            }
        }

        var inputs = (settings.Inputs ?? new Dictionary<string, string>()).Where(p => !string.IsNullOrWhiteSpace(p.Key)).ToDictionary(p => p.Key.Trim(), p => p.Value?.Trim() ?? string.Empty, StringComparer.Ordinal);
        foreach (var column in inputs.Values)
        {
            RequireColumn(column, "inputs");
        }

        var query = string.IsNullOrWhiteSpace(settings.Query) ? null : settings.Query.Trim();
        var expected = string.IsNullOrWhiteSpace(settings.Expected) ? null : settings.Expected.Trim();
        RequireColumn(query, "query");
        RequireColumn(expected, "expected");
        if (app.Kind == AppKind.Chat && query is null)
        {
            throw new ValidationException("query", "A chat app's evaluation needs the column that holds the question.") { MessageKey = "Apps.Error.EvalQueryColumn" };
        }

        if (expected is null && scorers.FirstOrDefault(AppEvaluationScorers.NeedsExpected) is { } needing)
        {
            throw new ValidationException("expected", $"The scorer '{needing.MetricName}' compares with an expected output; choose the expected column.") { MessageKey = "Apps.Error.EvalExpectedColumn", MessageArguments = [needing.MetricName] };
        }

        return new AppEvaluationSettings(inputs, query, expected, string.IsNullOrWhiteSpace(settings.Output) ? null : settings.Output.Trim(), scorers, settings.Concurrency);
    }

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

    /// <summary>Means per scorer and their pass rates, the overall pass rate (rows where every scorer passed), latency and tokens.</summary>
    public static Dictionary<string, double> Summarize(AppEvaluationSettings settings, IReadOnlyList<AppEvaluationRow> rows)
    {
        var summary = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["rows"] = rows.Count,
            ["rows_failed"] = rows.Count(r => r.Error is not null),
            ["pass_rate"] = rows.Count == 0 ? 0 : (double)rows.Count(r => r.Passed) / rows.Count,
        };
        foreach (var scorer in settings.Scorers)
        {
            var name = scorer.MetricName;
            var scores = rows.Select(r => r.Scores.GetValueOrDefault(name)).ToList();
            summary[$"{name}.mean"] = rows.Count == 0 ? 0 : scores.Average(s => s?.Value ?? 0);
            summary[$"{name}.pass_rate"] = rows.Count == 0 ? 0 : (double)scores.Count(s => s?.Passed == true) / rows.Count;
        }

        var latencies = rows.Where(r => r.Error is null).Select(r => r.LatencyMs).Order().ToList();
        summary["latency_p50_ms"] = Percentile(latencies, 0.5);
        summary["latency_p95_ms"] = Percentile(latencies, 0.95);
        summary["tokens"] = rows.Sum(r => r.Tokens);
        return summary;
    }

    /// <summary>The nearest-rank percentile of sorted values (0 when there are none).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>The per-row table as CSV: row, inputs (JSON), query, output, expected, one column per scorer, passed, error, latency, tokens, run.</summary>
    public static string ToCsv(AppEvaluationSettings settings, IReadOnlyList<AppEvaluationRow> rows)
    {
        var text = new StringBuilder();
        var header = new List<string> { "row", "inputs", "query", "output", "expected" };
        header.AddRange(settings.Scorers.Select(s => s.MetricName));
        header.AddRange(["passed", "error", "latency_ms", "tokens", "app_run_id"]);
        text.AppendLine(string.Join(',', header.Select(Csv)));
        foreach (var row in rows)
        {
            var cells = new List<string?> { row.Row.ToString(CultureInfo.InvariantCulture), row.Inputs.ToJsonString(), row.Query, row.Output, row.Expected };
            cells.AddRange(settings.Scorers.Select(s => row.Scores.TryGetValue(s.MetricName, out var score) ? score.Value.ToString("0.####", CultureInfo.InvariantCulture) : null));
            cells.AddRange([row.Passed ? "true" : "false", row.Error, row.LatencyMs.ToString("0.#", CultureInfo.InvariantCulture), row.Tokens.ToString(CultureInfo.InvariantCulture), row.RunId?.ToString()]);
            text.AppendLine(string.Join(',', cells.Select(Csv)));
        }

        return text.ToString();
    }

    private static string Csv(string? value) =>
        value is null ? string.Empty : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    private async Task<DatasetVersion> FindDatasetVersionAsync(Guid datasetId, int? number, CancellationToken ct)
    {
        var versions = await datasets.ListVersionsAsync(datasetId, ct);
        var found = number is { } n ? versions.FirstOrDefault(v => v.Number == n) : versions.MaxBy(v => v.Number);
        return found ?? throw new NotFoundException("Dataset version", number?.ToString(CultureInfo.InvariantCulture) ?? "latest")
        {
            MessageKey = "Apps.Error.EvalDatasetVersion",
            MessageArguments = [number?.ToString(CultureInfo.InvariantCulture) ?? "—"],
        };
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
                var reply = await LlmCall.CompleteForWorkAsync(gateway, scorer.MetricName, new LlmAsk(
                    AppEvaluationScorers.Text(scorer, "model")!,
                    [LlmCall.Message("user", prompt.ToString())],
                    0,
                    200,
                    null), ct);
                var value = AppEvaluationScorers.JudgeScore(reply.Text, scale)
                    ?? throw new ValidationException("judge", $"The judge's reply has no score: {ServiceNodeConfig.Excerpt(reply.Text)}") { MessageKey = "Apps.Error.EvalJudgeNoScore", MessageArguments = [scorer.MetricName] };
                return new AppEvaluationScore(value, value >= (AppEvaluationScorers.Number(scorer, "threshold") ?? 0.75));
            }

            default:
                return AppEvaluationScorers.ScoreText(scorer, output, expected);
        }
    }

    private async Task<Guid> LogExperimentRunAsync(App app, AppVersion version, Dataset dataset, DatasetVersion datasetVersion, AppEvaluationSettings settings, IReadOnlyDictionary<string, double> summary, IReadOnlyList<AppEvaluationRow> rows, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var name = ExperimentName(app.Slug);
        Experiment experiment;
        try
        {
            experiment = await experiments.GetExperimentByNameAsync(name, ct);
            if (experiment.OwnerId != context.UserId || experiment.LifecycleStage != LifecycleStage.Active)
            {
                experiment = await experiments.CreateExperimentAsync(null, name, null, ct);
            }
        }
        catch (NotFoundException)
        {
            experiment = await experiments.CreateExperimentAsync(null, name, null, ct);
        }

        var details = await trackingRuns.CreateRunAsync(experiment.Id, $"{app.Slug} v{version.Number} · {dataset.Name} v{datasetVersion.Number}", null, new Dictionary<string, string>
        {
            ["aiplatform.app"] = app.Slug,
            ["aiplatform.app.version"] = version.Number.ToString(CultureInfo.InvariantCulture),
        }, ct);
        var runId = details.Run.Id;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var parameters = new Dictionary<string, string>
        {
            ["app"] = app.Slug,
            ["version"] = version.Number.ToString(CultureInfo.InvariantCulture),
            ["dataset"] = dataset.Name,
            ["dataset_version"] = datasetVersion.Number.ToString(CultureInfo.InvariantCulture),
            ["scorers"] = Truncate(JsonSerializer.Serialize(settings.Scorers, AppEvaluationSettings.Json), TrackingLimits.MaxParamValueLength),
            ["inputs"] = Truncate(JsonSerializer.Serialize(settings.Inputs, AppEvaluationSettings.Json), TrackingLimits.MaxParamValueLength),
            ["expected"] = settings.Expected ?? string.Empty,
            ["concurrency"] = settings.Concurrency.ToString(CultureInfo.InvariantCulture),
        };
        await trackingRuns.LogBatchAsync(runId, summary.Select(m => new MetricInput(m.Key, m.Value, now, 0)).ToList(), parameters, null, ct);
        var csv = Encoding.UTF8.GetBytes(ToCsv(settings, rows));
        await using (var stream = new MemoryStream(csv))
        {
            await artifacts.UploadAsync(runId, "evaluation.csv", stream, csv.Length, "text/csv", ct);
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(rows, AppEvaluationSettings.Json);
        await using (var stream = new MemoryStream(json))
        {
            await artifacts.UploadAsync(runId, "evaluation.json", stream, json.Length, "application/json", ct);
        }

        await trackingRuns.UpdateRunAsync(runId, RunStatus.Finished, time.GetUtcNow().ToUnixTimeMilliseconds(), null, ct);
        return runId;
    }

    private static string Truncate(string value, int max) => value.Length > max ? value[..max] : value;

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial System.Text.RegularExpressions.Regex MetricKey();
}
