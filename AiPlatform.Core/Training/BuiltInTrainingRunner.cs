using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Runs a built-in training for <see cref="TrainingJobHandler"/>: fetches the dataset version's file, trains with the
/// built-in trainer, and logs the metrics, params and artifacts into the run's experiment run.
/// </summary>
public sealed class BuiltInTrainingRunner(
    IDatasetStore datasets,
    IObjectStore objects,
    IScratchSpace scratch,
    IBuiltInTrainer trainer,
    RunService runs,
    ArtifactService artifacts,
    TimeProvider time)
{
    internal async Task RunAsync(JobExecutionContext context, TrainingRun run, string work, CancellationToken ct)
    {
        var spec = JsonSerializer.Deserialize<BuiltInSpec>(run.SpecJson, TrainingService.Json)!;
        var version = await datasets.FindVersionAsync(run.DatasetId!.Value, run.DatasetVersionId!.Value, ct)
            ?? throw new TrainingFailedException("The dataset version no longer exists.", "Error.Training.DatasetVersionGone");
        if (version.RowCount == 0)
        {
            throw new TrainingFailedException("The dataset version has no rows to train on.", "Error.Training.NoRows");
        }

        var (key, format) = version.ColumnarKey is { } columnar ? (columnar, DatasetFormat.Parquet) : (version.ObjectKey, version.Format);
        await context.LogAsync($"Training {spec.Trainer} ({spec.Task}) on {version.RowCount:N0} rows, label '{spec.Label}', {spec.Features.Count} features.", JobText.Of("JobLog.TrainingStarted", spec.Trainer, spec.Task, version.RowCount, spec.Label, spec.Features.Count), ct);
        await using var data = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(key), format.Extension(), ct);
        var outcome = await trainer.TrainAsync(data.Path, format, spec, work, (line, text) => text is null ? context.LogAsync(line, ct) : context.LogAsync(line, text, ct), ct);
        await context.ReportProgressAsync(0.9, "Storing metrics and artifacts", ct);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await runs.LogBatchForWorkAsync(
            run.TrackingRunId,
            outcome.Metrics.Select(m => new MetricInput(m.Key, m.Value, now, 0)).ToList(),
            outcome.Params,
            null,
            ct);
        foreach (var artifact in outcome.Artifacts)
        {
            await using var file = File.OpenRead(artifact.LocalFile);
            await artifacts.UploadForWorkAsync(run.TrackingRunId, artifact.Path, file, file.Length, artifact.ContentType, ct);
        }

        await context.LogAsync(string.Join(", ", outcome.Metrics.Select(m => $"{m.Key} = {m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")), ct);
    }
}
