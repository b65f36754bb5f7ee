using AiPlatform.Core.Access;
using AiPlatform.Core.Jobs;
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
    RunService runs,
    BuiltInTrainingRunner builtIn,
    CustomTrainingRunner custom,
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
        await runs.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Running, ct);
        var work = WorkFolder(run.Id);
        Directory.CreateDirectory(work);
        CreatedApiToken? token = null;
        try
        {
            if (run.Kind == TrainingKind.BuiltIn)
            {
                await builtIn.RunAsync(context, run, work, ct);
            }
            else
            {
                token = await custom.IssueTokenAsync(run, ct);
                await custom.RunAsync(context, run, work, token.PlainText, ct);
            }

            run.Status = TrainingStatus.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && context.ShuttingDown)
        {
            run.Status = TrainingStatus.Failed;
            run.Fail(Interrupted("the platform shut down", TrainingStatus.Running));
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Status = TrainingStatus.Cancelled;
            run.Fail(Common.StoredMessage.Of("Cancelled.", "Error.Training.Cancelled"));
            throw;
        }
        catch (Exception e)
        {
            run.Status = TrainingStatus.Failed;
            if (run.Error is null)
            {
                run.Fail(Common.StoredMessage.From(e, e is Common.PlatformException or TrainingFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}", "Error.Training.Failed"));
            }
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
                run.ErrorKey = stored.ErrorKey;
                run.ErrorArguments = stored.ErrorArguments;
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
                await runs.UpdateRunForWorkAsync(run.TrackingRunId, run.Status switch
                {
                    TrainingStatus.Succeeded => RunStatus.Finished,
                    TrainingStatus.Cancelled => RunStatus.Killed,
                    _ => RunStatus.Failed,
                }, CancellationToken.None);
            }
            if (token is not null)
            {
                await custom.RevokeTokenAsync(run, token.Token.Id, CancellationToken.None);
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
        run.Fail(Interrupted(interruption.Reason, was));
        run.FinishedAt = time.GetUtcNow();
        await store.UpdateAsync(run, ct);
        await runs.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Failed, ct);
        if (run.Kind == TrainingKind.Custom)
        {
            await custom.ReleaseAsync(run, ct);
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

    /// <summary>The run's executor died: the English text and its resource (the reason is a platform-written English phrase).</summary>
    internal static Common.StoredMessage Interrupted(string reason, TrainingStatus was) =>
        Common.StoredMessage.Of(InterruptedMessage(reason, was), was == TrainingStatus.Running ? "Error.Training.InterruptedRunning" : "Error.Training.InterruptedStarting", reason);

    internal static string InterruptedMessage(string reason, TrainingStatus was) =>
        $"interrupted: {reason} while the run was {(was == TrainingStatus.Running ? "running" : "starting")}";

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
public sealed class TrainingFailedException(string message) : Exception(message), Common.ILocalizedFailure
{
    /// <summary>A failure with the UI resource that says it (arguments: no internal address, path or secret).</summary>
    public TrainingFailedException(string message, string key, params object[] arguments) : this(message)
    {
        MessageKey = key;
        MessageArguments = arguments;
    }

    public string? MessageKey { get; }

    public IReadOnlyList<object> MessageArguments { get; } = [];
}
