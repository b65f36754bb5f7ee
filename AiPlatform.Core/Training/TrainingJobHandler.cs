using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Job <c>training.run</c>: executes one training run and records the outcome in the run and its experiment run.
/// An interrupted run is marked Failed (interrupted) rather than repeated, since custom code may not be idempotent;
/// "Retry" re-runs it on purpose.
/// </summary>
public sealed class TrainingJobHandler(
    ITrainingStore store,
    TrainingQueue queue,
    Hpo.StudyService studies,
    RunService tracking,
    ArtifactService artifacts,
    IDatasetStore datasets,
    IObjectStore objects,
    IScratchSpace scratch,
    IBuiltInTrainer trainer,
    IEnumerable<ITrainingBackend> backends,
    ApiTokenService tokens,
    TrainingSettings settings,
    TimeProvider time) : IJobHandler
{
    public string Kind => TrainingQueue.JobKind;

    public string? StartCapability => null;

    public bool RestartOnInterrupt => false;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var run = await store.FindAsync(Guid.Parse(context.Job.SubjectId ?? throw new InvalidOperationException("The job names no training run.")), ct)
            ?? throw new InvalidOperationException("The training run no longer exists.");
        if (run.IsTerminal)
        {
            return;
        }

        run.Status = TrainingStatus.Running;
        run.StartedAt = time.GetUtcNow();
        await store.UpdateAsync(run, ct);
        await tracking.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Running, ct);
        var work = WorkFolder(run.Id);
        Directory.CreateDirectory(work);
        CreatedApiToken? token = null;
        try
        {
            if (run.Kind == TrainingKind.BuiltIn)
            {
                await RunBuiltInAsync(context, run, work, ct);
            }
            else
            {
                token = await tokens.IssueForWorkAsync(run.Id, run.CreatedById, $"training {run.Name}", settings.TokenLifetime, ct);
                await RunCustomAsync(context, run, work, token.PlainText, ct);
            }

            run.Status = TrainingStatus.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && context.ShuttingDown)
        {
            run.Status = TrainingStatus.Failed;
            run.Error = InterruptedMessage("the platform shut down", TrainingStatus.Running);
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Status = TrainingStatus.Cancelled;
            run.Error = "Cancelled.";
            throw;
        }
        catch (Exception e)
        {
            run.Status = TrainingStatus.Failed;
            run.Error ??= e is Common.PlatformException or TrainingFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            throw;
        }
        finally
        {
            run.FinishedAt = time.GetUtcNow();
            var stored = await store.FindAsync(run.Id, CancellationToken.None);
            if (stored is { Pruned: true })
            {
                // The study stopped this trial on purpose: keep its reason.
                run.Pruned = true;
                run.Error = stored.Error;
            }

            // An error text longer than its column (a verbose Kubernetes answer, a long traceback) would make the save fail.
            if (run.Error is { Length: > TrainingRun.MaxErrorLength } error)
            {
                run.Error = error[..(TrainingRun.MaxErrorLength - 1)] + "…";
            }

            // Already ended: another node found this one silent and settled the run as interrupted; its outcome stands.
            if (stored is not { IsTerminal: true })
            {
                await store.UpdateAsync(run, CancellationToken.None);
                await tracking.UpdateRunForWorkAsync(run.TrackingRunId, run.Status switch
                {
                    TrainingStatus.Succeeded => RunStatus.Finished,
                    TrainingStatus.Cancelled => RunStatus.Killed,
                    _ => RunStatus.Failed,
                }, CancellationToken.None);
            }
            if (token is not null)
            {
                await tokens.RevokeForWorkAsync(run.CreatedById, token.Token.Id, CancellationToken.None);
            }

            TryDelete(work);
            if (run.StudyId is not null)
            {
                // A finished trial lets its study record the result and queue the next trial now rather than at the next tick.
                await studies.PumpAsync(CancellationToken.None);
            }
            else
            {
                await queue.PumpAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// The run's executor died with its process (or another node found it silent): the run fails with the reason, a
    /// Kubernetes Job of it is deleted, and the queue is pumped so its slot goes to the next queued run.
    /// </summary>
    public async Task OnInterruptedAsync(JobRecord job, JobInterruption interruption, CancellationToken ct)
    {
        // A run that already ended (its runner settled it while shutting down) has released its slot and its backend.
        if (!Guid.TryParse(job.SubjectId, out var runId) || await store.FindAsync(runId, ct) is not { } run || run.JobId != job.Id || run.IsTerminal)
        {
            return;
        }

        var was = run.Status;
        run.Status = TrainingStatus.Failed;
        run.Error = InterruptedMessage(interruption.Reason, was);
        run.FinishedAt = time.GetUtcNow();
        await store.UpdateAsync(run, ct);
        await tracking.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Failed, ct);
        if (run.Kind == TrainingKind.Custom)
        {
            // The run's MLflow token (its id is the run's) must not outlive the run that died with it.
            await tokens.RevokeForWorkAsync(run.CreatedById, run.Id, ct);
            if (backends.FirstOrDefault(b => b.Kind == run.Backend) is { } backend)
            {
                await backend.ReleaseAsync(run.Id, ct);
            }
        }

        // When the node that settles it is the one that ran it (a restart), its working folder is here.
        TryDelete(WorkFolder(run.Id));

        if (run.StudyId is not null)
        {
            await studies.PumpAsync(ct);
        }
        else
        {
            await queue.PumpAsync(ct);
        }
    }

    internal static string InterruptedMessage(string reason, TrainingStatus was) =>
        $"interrupted: {reason} while the run was {(was == TrainingStatus.Running ? "running" : "starting")}";

    private async Task RunBuiltInAsync(JobExecutionContext context, TrainingRun run, string work, CancellationToken ct)
    {
        var spec = JsonSerializer.Deserialize<BuiltInSpec>(run.SpecJson, TrainingService.Json)!;
        var version = await datasets.FindVersionAsync(run.DatasetId!.Value, run.DatasetVersionId!.Value, ct)
            ?? throw new TrainingFailedException("The dataset version no longer exists.");
        if (version.RowCount == 0)
        {
            throw new TrainingFailedException("The dataset version has no rows to train on.");
        }

        var (key, format) = version.ColumnarKey is { } columnar ? (columnar, DatasetFormat.Parquet) : (version.ObjectKey, version.Format);
        await context.LogAsync($"Training {spec.Trainer} ({spec.Task}) on {version.RowCount:N0} rows, label '{spec.Label}', {spec.Features.Count} features.", ct);
        await using var data = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(key), format.Extension(), ct);
        var outcome = await trainer.TrainAsync(data.Path, format, spec, work, line => context.LogAsync(line, ct), ct);
        await context.ReportProgressAsync(0.9, "Storing metrics and artifacts", ct);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await tracking.LogBatchForWorkAsync(
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

    private async Task RunCustomAsync(JobExecutionContext context, TrainingRun run, string work, string token, CancellationToken ct)
    {
        var spec = JsonSerializer.Deserialize<CustomSpec>(run.SpecJson, TrainingService.Json)!;
        var backend = backends.FirstOrDefault(b => b.Kind == run.Backend) ?? throw new TrainingFailedException($"The {run.Backend} backend is not available.");
        var experiment = await tracking.FindExperimentForWorkAsync(run.ExperimentId, ct);
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
                sample => tracking.LogBatchForWorkAsync(
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
                run.Error = $"The process exited with code {exitCode}. Last output:\n{string.Join('\n', tail)}";
                throw new TrainingFailedException(run.Error);
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

    private static string WorkFolder(Guid runId) => Path.Combine(Path.GetTempPath(), "aip-training", runId.ToString("N"));

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A training that ran but did not succeed, with the reason for the user.</summary>
public sealed class TrainingFailedException(string message) : Exception(message);
