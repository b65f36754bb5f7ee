using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Access;
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

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial System.Text.RegularExpressions.Regex MetricKey();
}
