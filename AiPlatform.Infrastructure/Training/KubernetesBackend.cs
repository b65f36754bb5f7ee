using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// Runs custom training as a <c>batch/v1</c> Job: an init container fetches the code and data from the platform with
/// the run's token (kept in a Secret), the training container gets the MLflow settings, CPU/memory and
/// <c>nvidia.com/gpu</c> limits, and GPU runs the node selector and tolerations. Several workers become an indexed
/// Job with a headless Service and the torchrun environment (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK). The run
/// follows the Job and its pods, streams the training container's log, and deletes everything on cancel.
/// </summary>
public sealed partial class KubernetesBackend(IKubernetes client, KubernetesTrainingOptions options, ILogger<KubernetesBackend> logger) : ITrainingBackend, IGpuCapacitySource
{
    public const string GpuResource = "nvidia.com/gpu";
    public const string RunLabel = "aiplatform.io/training-run";

    /// <summary>The RBAC Role the platform's account needs in the training namespace (named in permission errors).</summary>
    private const string TrainingRole = "aiplatform-training-runner, k8s/training/role.yaml";

    private static readonly TimeSpan LogDrainTimeout = TimeSpan.FromSeconds(30);

    public TrainingBackendKind Kind => TrainingBackendKind.Kubernetes;

    public int MaxConcurrency => Math.Max(1, options.MaxConcurrency);

    /// <summary>
    /// The name of a run's Job, Secret and Service: the whole run id (a version 7 GUID keeps only 12 random bits in its
    /// first 16 hex digits, so runs started in the same millisecond could clash), 42 characters, within the 63 that a
    /// DNS label (and a label value such as <c>job-name</c>) allows.
    /// </summary>
    public static string NameOf(Guid runId) => "aip-train-" + runId.ToString("N");

    public async Task<int> RunAsync(CustomLaunch launch, Func<string, Task> log, CancellationToken ct, Func<ResourceSample, Task>? resources = null)
    {
        var name = NameOf(launch.RunId);
        var manifests = BuildManifests(launch, options);
        var token = launch.Environment.GetValueOrDefault("MLFLOW_TRACKING_TOKEN");
        var attempt = new Attempt(name, token);
        try
        {
            await CreateAsync("Secret", attempt, () => client.CoreV1.CreateNamespacedSecretAsync(manifests.Secret, options.Namespace, cancellationToken: ct), ct);
            if (manifests.Service is { } service)
            {
                await CreateAsync("Service", attempt, () => client.CoreV1.CreateNamespacedServiceAsync(service, options.Namespace, cancellationToken: ct), ct);
            }

            await CreateAsync("Job", attempt, () => client.BatchV1.CreateNamespacedJobAsync(manifests.Job, options.Namespace, cancellationToken: ct), ct);
            await log($"Created Job {options.Namespace}/{name} ({launch.Spec?.Workers ?? 1} worker(s), image {manifests.Job.Spec.Template.Spec.Containers[0].Image}).");
            return await FollowAsync(attempt, launch, log, ct);
        }
        finally
        {
            if (!attempt.Deleted)
            {
                await DeleteAsync(attempt);
            }
        }
    }

    public async Task ReleaseAsync(Guid runId, CancellationToken ct)
    {
        var name = NameOf(runId);
        logger.LogInformation("Deleting Kubernetes objects {Namespace}/{Name} of an interrupted run", options.Namespace, name);
        var attempt = new Attempt(name, null);
        attempt.Created.AddRange(["Job", "Service", "Secret"]);
        await DeleteAsync(attempt);
    }

    /// <summary>
    /// Creates one object of the run. A refusal fails the run with what Kubernetes said (the caller deletes what was
    /// created before, and an object the server may have stored before failing). An object of the same name already
    /// there (409) was left by an earlier attempt of this run: runs are not repeated after an interruption (custom code
    /// may not be idempotent), so it is not adopted, and not deleted either (it is not this attempt's to delete).
    /// </summary>
    private async Task CreateAsync<T>(string kind, Attempt attempt, Func<Task<T>> create, CancellationToken ct)
    {
        var name = attempt.Name;
        try
        {
            await create();
            attempt.Created.Add(kind);
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
        {
            if (KubernetesApiErrors.IsStatus(e, HttpStatusCode.Conflict))
            {
                throw new TrainingFailedException(
                    $"The {kind} {options.Namespace}/{name} of this run exists already in Kubernetes (409 AlreadyExists), left by an earlier attempt. " +
                    "The platform does not take it over, since training code may not be safe to run twice, and leaves it alone; what this attempt created is deleted. Submit the run again.",
                    "Error.Training.KubernetesExists");
            }

            // The server may have stored the object before failing (a timeout, a 5xx): delete it too.
            if (KubernetesApiErrors.IsTransient(e))
            {
                attempt.Created.Add(kind);
            }

            var reason = KubernetesApiErrors.Describe(e, $"create the {kind} {options.Namespace}/{name}", TrainingRole, attempt.Secret);
            logger.LogWarning("Training run {Name} not started: {Reason}", name, reason);
            throw new TrainingFailedException(reason + " The run did not start.", "Error.Training.KubernetesNotStarted");
        }
    }

    /// <summary>
    /// Polls the Job and its pods until the Job ends. A failing API server (5xx, 429, broken connection, timeout) is
    /// ridden out for <see cref="KubernetesTrainingOptions.ApiErrorTolerance"/>; a refusal (403, 404) ends the run at once.
    /// </summary>
    private async Task<int> FollowAsync(Attempt attempt, CustomLaunch launch, Func<string, Task> log, CancellationToken ct)
    {
        var (name, secret) = (attempt.Name, attempt.Secret);
        var deadline = launch.Timeout is { } t ? DateTimeOffset.UtcNow + t : DateTimeOffset.MaxValue;
        var state = new FollowState();
        using var logs = CancellationTokenSource.CreateLinkedTokenSource(ct);
        DateTimeOffset? failingSince = null;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new TrainingFailedException($"The run exceeded its time limit of {TimeLimits.Describe(launch.Timeout!.Value)} and was stopped.", "Error.Training.TimedOut", TimeLimits.Describe(launch.Timeout!.Value));
                }

                int? exit;
                try
                {
                    exit = await PollAsync(name, launch, log, state, logs.Token, ct);
                    if (failingSince is not null)
                    {
                        failingSince = null;
                        await log("The Kubernetes API answers again.");
                    }
                }
                catch (Exception e) when (KubernetesApiErrors.IsTransient(e) && !ct.IsCancellationRequested)
                {
                    var reason = KubernetesApiErrors.Describe(e, $"read the state of the Job {options.Namespace}/{name}", TrainingRole, secret);
                    if (failingSince is null)
                    {
                        failingSince = DateTimeOffset.UtcNow;
                        logger.LogWarning("Following training Job {Name}: {Reason}", name, reason);
                        await log($"{reason} Trying again for up to {Minutes(options.ApiErrorTolerance)}.");
                    }
                    else if (DateTimeOffset.UtcNow - failingSince > options.ApiErrorTolerance)
                    {
                        var left = await DeleteAsync(attempt);
                        attempt.Deleted = true;
                        var objects = string.Join(" and ", left.Select(k => $"the {k} {options.Namespace}/{name}"));
                        var cleanup = left.Count == 0 ? "its Job is deleted"
                            : left.Contains("Job") ? $"{objects} could not be deleted and must be removed by hand"
                            : $"its Job is deleted, but {objects} could not be deleted and must be removed by hand";
                        throw new TrainingFailedException(
                            $"The Kubernetes API failed for more than {Minutes(options.ApiErrorTolerance)} while the run was running, so its outcome is unknown; {cleanup}. Last error: {reason}",
                            "Error.Training.KubernetesUnknownOutcome");
                    }

                    exit = null;
                }
                catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
                {
                    var reason = KubernetesApiErrors.Describe(e, $"read the state of the Job {options.Namespace}/{name}", TrainingRole, secret);
                    throw new TrainingFailedException(KubernetesApiErrors.IsStatus(e, HttpStatusCode.NotFound)
                        ? $"The Job {options.Namespace}/{name} went away while the run was running (deleted outside the platform?). {reason}"
                        : reason,
                        KubernetesApiErrors.IsStatus(e, HttpStatusCode.NotFound) ? "Error.Training.KubernetesJobGone" : "Error.Training.KubernetesFailed");
                }

                if (exit is { } code)
                {
                    state.JobEnded = true;
                    await DrainLogsAsync(state);
                    return code;
                }

                await Task.Delay(options.PollInterval, ct);
            }
        }
        finally
        {
            await logs.CancelAsync();
        }
    }

    /// <summary>One look at the pods (logging phase changes, starting the first worker's log) and the Job: its exit code once it ended.</summary>
    private async Task<int?> PollAsync(string name, CustomLaunch launch, Func<string, Task> log, FollowState state, CancellationToken logsToken, CancellationToken ct)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(options.Namespace, labelSelector: $"job-name={name}", cancellationToken: ct);
        foreach (var pod in pods.Items)
        {
            var phase = pod.Status?.Phase ?? "Pending";
            if (state.Phases.GetValueOrDefault(pod.Metadata.Name) != phase)
            {
                state.Phases[pod.Metadata.Name] = phase;
                var reason = pod.Status?.ContainerStatuses?.Select(c => c.State?.Waiting?.Reason).FirstOrDefault(r => r is not null);
                await log($"Pod {pod.Metadata.Name}: {phase}{(reason is null ? string.Empty : $" ({reason})")}.");
            }

            // The first worker's training output is the run's log.
            if (phase is "Running" or "Succeeded" or "Failed" && IsFirstWorker(pod) && !state.Streams.ContainsKey(pod.Metadata.Name))
            {
                state.Streams[pod.Metadata.Name] = StreamLogAsync(pod.Metadata.Name, log, state, logsToken);
            }
        }

        var job = await client.BatchV1.ReadNamespacedJobStatusAsync(name, options.Namespace, cancellationToken: ct);
        var workers = launch.Spec?.Workers ?? 1;
        if ((job.Status?.Succeeded ?? 0) >= workers)
        {
            return 0;
        }

        if ((job.Status?.Failed ?? 0) > 0 || job.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true)
        {
            var failedPod = pods.Items.FirstOrDefault(p => p.Status?.Phase == "Failed")
                ?? (await client.CoreV1.ListNamespacedPodAsync(options.Namespace, labelSelector: $"job-name={name}", cancellationToken: ct)).Items.FirstOrDefault(p => p.Status?.Phase == "Failed");
            if (failedPod is not null)
            {
                state.Phases[failedPod.Metadata.Name] = "Failed";
            }

            var terminated = failedPod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == "train")?.State?.Terminated;
            var condition = job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed");
            if (terminated is null && condition is not null)
            {
                await log($"Job failed: {condition.Reason} {condition.Message}");
            }

            return terminated?.ExitCode is { } code and not 0 ? code : 1;
        }

        return null;
    }

    private static bool IsFirstWorker(V1Pod pod) =>
        pod.Metadata.Annotations?.TryGetValue("batch.kubernetes.io/job-completion-index", out var index) != true || index == "0";

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1
        ? span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " minutes"
        : span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " seconds";

    /// <summary>What one attempt at a run created in Kubernetes ("Secret", "Service", "Job"): all it may delete.</summary>
    private sealed class Attempt(string name, string? secret)
    {
        public string Name { get; } = name;

        public string? Secret { get; } = secret;

        public List<string> Created { get; } = [];

        /// <summary>Its objects were deleted already (when the run gave up on a failing API).</summary>
        public bool Deleted { get; set; }
    }

    /// <summary>
    /// Deletes what the attempt created (the Job first, so its pods stop). Never throws (it runs in a <c>finally</c>, and
    /// the run's own outcome must stand): an object that could not be deleted is logged and the others are still
    /// deleted. Returns the kinds that could not be deleted (empty when all went).
    /// </summary>
    private async Task<List<string>> DeleteAsync(Attempt attempt)
    {
        var name = attempt.Name;
        var background = new V1DeleteOptions { PropagationPolicy = "Background" };
        var left = new List<string>();
        foreach (var (kind, delete) in new (string, Func<Task>)[]
        {
            ("Job", () => client.BatchV1.DeleteNamespacedJobAsync(name, options.Namespace, background)),
            ("Service", () => client.CoreV1.DeleteNamespacedServiceAsync(name, options.Namespace)),
            ("Secret", () => client.CoreV1.DeleteNamespacedSecretAsync(name, options.Namespace)),
        })
        {
            if (!attempt.Created.Contains(kind))
            {
                continue;
            }

            try
            {
                await delete();
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }
            catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) || e is System.Text.Json.JsonException)
            {
                left.Add(kind);
                var reason = KubernetesApiErrors.Describe(e, $"delete the {kind} {options.Namespace}/{name}", TrainingRole, attempt.Secret);
                logger.LogWarning("Kubernetes object of training run {Name} left behind; delete it by hand: {Reason}", name, reason);
            }
        }

        return left;
    }

    public async Task<GpuCapacity> GetGpuCapacityAsync(CancellationToken ct)
    {
        var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: ct);
        var gpus = nodes.Items.Select(n => n.Status?.Allocatable?.TryGetValue(GpuResource, out var q) == true ? (int)q.ToInt64() : 0).ToList();
        return new GpuCapacity(nodes.Items.Count, gpus.Count(g => g > 0), gpus.Sum());
    }
}
