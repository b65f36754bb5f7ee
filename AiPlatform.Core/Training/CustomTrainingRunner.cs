using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Runs a custom training for <see cref="TrainingJobHandler"/> on its backend, with the run's MLflow token and
/// variables, its code and data; issues and revokes that token and releases what a dead run left on its backend.
/// </summary>
public sealed class CustomTrainingRunner(
    IEnumerable<ITrainingBackend> backends,
    RunService runs,
    IDatasetStore datasets,
    IObjectStore objects,
    IScratchSpace scratch,
    ApiTokenService tokens,
    TrainingSettings settings)
{
    /// <summary>The run's MLflow token (it acts as the run's creator until the run ends).</summary>
    internal Task<CreatedApiToken> IssueTokenAsync(TrainingRun run, CancellationToken ct) =>
        tokens.IssueForWorkAsync(run.Id, run.CreatedById, $"training {run.Name}", settings.TokenLifetime, ct);

    internal Task RevokeTokenAsync(TrainingRun run, Guid tokenId, CancellationToken ct) => tokens.RevokeForWorkAsync(run.CreatedById, tokenId, ct);

    /// <summary>A run that died with its executor: its MLflow token (its id is the run's) is revoked and its backend releases what it left.</summary>
    internal async Task ReleaseAsync(TrainingRun run, CancellationToken ct)
    {
        // The run's MLflow token (its id is the run's) must not outlive the run that died with it.
        await tokens.RevokeForWorkAsync(run.CreatedById, run.Id, ct);
        if (backends.FirstOrDefault(b => b.Kind == run.Backend) is { } backend)
        {
            await backend.ReleaseAsync(run.Id, ct);
        }
    }

    internal async Task RunAsync(JobExecutionContext context, TrainingRun run, string work, string token, CancellationToken ct)
    {
        var spec = JsonSerializer.Deserialize<CustomSpec>(run.SpecJson, TrainingService.Json)!;
        var backend = backends.FirstOrDefault(b => b.Kind == run.Backend) ?? throw new TrainingFailedException($"The {run.Backend} backend is not available.", "Error.Training.BackendUnavailable", run.Backend.ToString());
        var experiment = await runs.FindExperimentForWorkAsync(run.ExperimentId, ct);
        var environment = new Dictionary<string, string>(spec.Environment ?? new Dictionary<string, string>())
        {
            ["MLFLOW_TRACKING_URI"] = settings.TrackingUri ?? throw new TrainingFailedException("The platform does not know its own URL; set Training:TrackingUri."),
            ["MLFLOW_TRACKING_TOKEN"] = token,
            ["MLFLOW_RUN_ID"] = run.TrackingRunId.ToString("N"),
            ["MLFLOW_EXPERIMENT_ID"] = experiment.MlflowId,
            ["AIP_TRAINING_RUN_ID"] = run.Id.ToString(),
        };
        LocalObjectFile? code = null, data = null;
        try
        {
            var local = run.Backend == TrainingBackendKind.Local;
            if (spec.CodeKey is { } codeKey && local)
            {
                code = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(codeKey), "zip", ct);
            }

            var hasData = false;
            if (run.DatasetId is { } datasetId && run.DatasetVersionId is { } versionId && await datasets.FindVersionAsync(datasetId, versionId, ct) is { } version)
            {
                hasData = true;
                if (local)
                {
                    data = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(version.ObjectKey), version.Format.Extension(), ct);
                }

                environment["AIP_DATASET_URL"] = $"{settings.TrackingUri!.TrimEnd('/')}/api/v1/datasets/{datasetId}/versions/{versionId}/rows";
            }

            var tail = new Queue<string>();
            var exitCode = await backend.RunAsync(
                new CustomLaunch(run.Id, spec.Command, code?.Path, spec.GitUrl, spec.GitRef, data?.Path, environment, spec.TimeoutMinutes > 0 ? TimeSpan.FromMinutes(spec.TimeoutMinutes) : null,
                    spec,
                    spec.CodeKey is null ? null : $"{settings.TrackingUri!.TrimEnd('/')}/api/v1/training-runs/{run.Id}/code",
                    hasData ? $"{settings.TrackingUri!.TrimEnd('/')}/api/v1/training-runs/{run.Id}/data" : null),
                async line =>
                {
                    tail.Enqueue(line);
                    while (tail.Count > settings.ErrorTailLines)
                    {
                        tail.Dequeue();
                    }

                    await context.LogAsync(line, CancellationToken.None);
                },
                ct,
                sample => runs.LogBatchForWorkAsync(
                    run.TrackingRunId,
                    [
                        new MetricInput("system/cpu_utilization_percentage", Math.Round(sample.CpuPercent, 1), null, (long)sample.Seconds),
                        new MetricInput("system/memory_usage_megabytes", Math.Round(sample.MemoryMb, 1), null, (long)sample.Seconds),
                    ],
                    null,
                    null,
                    CancellationToken.None));
            run.ExitCode = exitCode;
            if (exitCode != 0)
            {
                run.Fail(Common.StoredMessage.Of($"The process exited with code {exitCode}. Last output:\n{string.Join('\n', tail)}", "Error.Training.ExitCode", exitCode));
                throw new TrainingFailedException(run.Error!);
            }
        }
        finally
        {
            if (code is not null)
            {
                await code.DisposeAsync();
            }

            if (data is not null)
            {
                await data.DisposeAsync();
            }
        }
    }
}
