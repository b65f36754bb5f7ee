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

/// <summary><c>Training:Kubernetes:*</c>: the cluster, namespace, images and GPU placement for the Kubernetes backend.</summary>
public sealed class KubernetesTrainingOptions
{
    public bool Enabled { get; set; }

    /// <summary>API server URL; empty: in-cluster configuration, or <c>KUBECONFIG</c> / <c>~/.kube/config</c>.</summary>
    public string? Host { get; set; }

    public string Namespace { get; set; } = "aiplatform-training";

    /// <summary>Image of the training container when the run names none.</summary>
    public string DefaultImage { get; set; } = "python:3.12-slim";

    /// <summary>Image of the init container that fetches code and data from the platform (needs sh, curl and unzip).</summary>
    public string FetchImage { get; set; } = "alpine/curl:8.11.1";

    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Node labels a GPU run must land on, e.g. <c>nvidia.com/gpu.present: "true"</c>.</summary>
    public Dictionary<string, string> GpuNodeSelector { get; set; } = new() { ["nvidia.com/gpu.present"] = "true" };

    /// <summary>Taints GPU runs tolerate (key, effect); the usual GPU taint by default.</summary>
    public List<TolerationOption> GpuTolerations { get; set; } = [new() { Key = "nvidia.com/gpu", Effect = "NoSchedule" }];

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a running run rides out a failing Kubernetes API (5xx, 429, broken connections, timeouts) while it
    /// follows its Job before it fails; the Job keeps running meanwhile and its outcome is read when the API is back.
    /// </summary>
    public TimeSpan ApiErrorTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Finished Jobs are removed by Kubernetes after this long.</summary>
    public int TtlSecondsAfterFinished { get; set; } = 3600;

    /// <summary>
    /// The uid the training pods run as (pod securityContext runAsUser/runAsGroup/fsGroup with runAsNonRoot). Empty: the
    /// image's user, which is root for most stock images (e.g. python:3.12-slim), still without capabilities or privilege escalation.
    /// </summary>
    public long? RunAsUser { get; set; }

    public sealed class TolerationOption
    {
        public string Key { get; set; } = string.Empty;

        public string Operator { get; set; } = "Exists";

        public string? Value { get; set; }

        public string Effect { get; set; } = "NoSchedule";
    }
}

/// <summary>
/// Runs custom training as a <c>batch/v1</c> Job: an init container fetches the code and data from the platform with
/// the run's token (kept in a Secret), the training container gets the MLflow settings, CPU/memory and
/// <c>nvidia.com/gpu</c> limits, and GPU runs the node selector and tolerations. Several workers become an indexed
/// Job with a headless Service and the torchrun environment (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK). The run
/// follows the Job and its pods, streams the training container's log, and deletes everything on cancel.
/// </summary>
public sealed class KubernetesBackend(IKubernetes client, KubernetesTrainingOptions options, ILogger<KubernetesBackend> logger) : ITrainingBackend, IGpuCapacitySource
{
    public const string GpuResource = "nvidia.com/gpu";
    public const string RunLabel = "aiplatform.io/training-run";

    /// <summary>The RBAC Role the platform's account needs in the training namespace (named in permission errors).</summary>
    private const string TrainingRole = "aiplatform-training-runner, k8s/training/role.yaml";

    private static readonly TimeSpan LogDrainTimeout = TimeSpan.FromSeconds(30);

    public TrainingBackendKind Kind => TrainingBackendKind.Kubernetes;

    public int MaxConcurrency => Math.Max(1, options.MaxConcurrency);

    public static string NameOf(Guid runId) => "aip-train-" + runId.ToString("N")[..16];

    public async Task<int> RunAsync(CustomLaunch launch, Func<string, Task> log, CancellationToken ct, Func<ResourceSample, Task>? resources = null)
    {
        var name = NameOf(launch.RunId);
        var manifests = BuildManifests(launch, options);
        var token = launch.Environment.GetValueOrDefault("MLFLOW_TRACKING_TOKEN");
        try
        {
            await CreateAsync("Secret", name, token, () => client.CoreV1.CreateNamespacedSecretAsync(manifests.Secret, options.Namespace, cancellationToken: ct), ct);
            if (manifests.Service is { } service)
            {
                await CreateAsync("Service", name, token, () => client.CoreV1.CreateNamespacedServiceAsync(service, options.Namespace, cancellationToken: ct), ct);
            }

            await CreateAsync("Job", name, token, () => client.BatchV1.CreateNamespacedJobAsync(manifests.Job, options.Namespace, cancellationToken: ct), ct);
            await log($"Created Job {options.Namespace}/{name} ({launch.Spec?.Workers ?? 1} worker(s), image {manifests.Job.Spec.Template.Spec.Containers[0].Image}).");
            return await FollowAsync(name, launch, log, token, ct);
        }
        finally
        {
            await DeleteAsync(name, manifests.Service is not null);
        }
    }

    public async Task ReleaseAsync(Guid runId, CancellationToken ct)
    {
        var name = NameOf(runId);
        logger.LogInformation("Deleting Kubernetes objects {Namespace}/{Name} of an interrupted run", options.Namespace, name);
        await DeleteAsync(name, service: true);
    }

    /// <summary>
    /// Creates one object of the run. A refusal fails the run with what Kubernetes said (the caller deletes what was
    /// created before). An object of the same name already there (409) was left by an earlier attempt of this run:
    /// runs are not repeated after an interruption (custom code may not be idempotent), so it is not adopted either.
    /// </summary>
    private async Task CreateAsync<T>(string kind, string name, string? secret, Func<Task<T>> create, CancellationToken ct)
    {
        try
        {
            await create();
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
        {
            if (KubernetesApiErrors.IsStatus(e, HttpStatusCode.Conflict))
            {
                throw new TrainingFailedException(
                    $"The {kind} {options.Namespace}/{name} of this run exists already in Kubernetes (409 AlreadyExists), left by an earlier attempt. " +
                    "The platform does not take it over, since training code may not be safe to run twice; the run's objects are deleted. Submit the run again.");
            }

            var reason = KubernetesApiErrors.Describe(e, $"create the {kind} {options.Namespace}/{name}", TrainingRole, secret);
            logger.LogWarning("Training run {Name} not started: {Reason}", name, reason);
            throw new TrainingFailedException(reason + " The run did not start.");
        }
    }

    /// <summary>
    /// Polls the Job and its pods until the Job ends. A failing API server (5xx, 429, broken connection, timeout) is
    /// ridden out for <see cref="KubernetesTrainingOptions.ApiErrorTolerance"/>; a refusal (403, 404) ends the run at once.
    /// </summary>
    private async Task<int> FollowAsync(string name, CustomLaunch launch, Func<string, Task> log, string? secret, CancellationToken ct)
    {
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
                    throw new TrainingFailedException($"The run exceeded its time limit of {launch.Timeout!.Value.TotalMinutes:0} minutes and was stopped.");
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
                        throw new TrainingFailedException(
                            $"The Kubernetes API failed for more than {Minutes(options.ApiErrorTolerance)} while the run was running, so its outcome is unknown; its Job is deleted. Last error: {reason}");
                    }

                    exit = null;
                }
                catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
                {
                    var reason = KubernetesApiErrors.Describe(e, $"read the state of the Job {options.Namespace}/{name}", TrainingRole, secret);
                    throw new TrainingFailedException(KubernetesApiErrors.IsStatus(e, HttpStatusCode.NotFound)
                        ? $"The Job {options.Namespace}/{name} went away while the run was running (deleted outside the platform?). {reason}"
                        : reason);
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

    /// <summary>The Job ended: its log streams reach the end of the container's output (bounded, so a stuck stream cannot hold the run).</summary>
    private async Task DrainLogsAsync(FollowState state)
    {
        try
        {
            await Task.WhenAll(state.Streams.Values).WaitAsync(LogDrainTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Streams that did not reach the end in time (or whose log writer failed) must not change the run's outcome.
            logger.LogWarning(e, "The log of a finished training Job did not end cleanly within {Timeout}", LogDrainTimeout);
        }
    }

    /// <summary>
    /// Streams the training container's log (with Kubernetes' timestamps). A stream that breaks off while the pod still
    /// runs is opened again, and the lines already passed on (up to the last timestamp seen) are skipped, so no line is
    /// lost or repeated.
    /// </summary>
    private async Task StreamLogAsync(string pod, Func<string, Task> log, FollowState state, CancellationToken ct)
    {
        await Task.Yield();
        string? last = null;
        var atLast = 0;
        var tries = 0;
        while (!ct.IsCancellationRequested)
        {
            var atEnd = false;
            var jobEnded = state.JobEnded;
            try
            {
                await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, options.Namespace, container: "train", follow: true, timestamps: true, cancellationToken: ct);
                using var reader = new StreamReader(stream);
                var replayedAtLast = 0;
                while (await reader.ReadLineAsync(ct) is { } raw)
                {
                    var (stamp, line) = SplitTimestamp(raw);
                    if (stamp is not null && last is not null)
                    {
                        var order = string.CompareOrdinal(stamp, last);
                        if (order < 0 || (order == 0 && replayedAtLast++ < atLast))
                        {
                            continue;
                        }
                    }

                    if (stamp is not null)
                    {
                        atLast = stamp == last ? atLast + 1 : 1;
                        last = stamp;
                        replayedAtLast = atLast;
                    }

                    await log(line);
                }

                atEnd = true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (KubernetesApiErrors.IsTransient(e))
            {
                logger.LogDebug(e, "Log stream of pod {Pod} broke off", pod);
            }
            catch (HttpOperationException e)
            {
                logger.LogDebug(e, "Log stream of pod {Pod} refused", pod);
                return;
            }

            // The end of the stream is the end of the log once the container has ended; before that, the stream broke off.
            if ((atEnd && (jobEnded || state.Phases.GetValueOrDefault(pod) is "Succeeded" or "Failed")) || (jobEnded && ++tries >= 3))
            {
                return;
            }

            try
            {
                await Task.Delay(state.JobEnded ? TimeSpan.Zero : options.PollInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Splits Kubernetes' RFC 3339 timestamp off a log line; the stamp comes back with nine fraction digits, so that
    /// stamps compare in time order as strings.
    /// </summary>
    internal static (string? Stamp, string Line) SplitTimestamp(string raw)
    {
        var space = raw.IndexOf(' ', StringComparison.Ordinal);
        var token = space < 0 ? raw : raw[..space];
        var line = space < 0 ? string.Empty : raw[(space + 1)..];
        if (!DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            return (null, raw);
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var fraction = dot < 0 ? string.Empty : new string([.. token[(dot + 1)..].TakeWhile(char.IsAsciiDigit)]);
        return (at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.PadRight(9, '0')[..9], line);
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1
        ? span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " minutes"
        : span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " seconds";

    /// <summary>What one run's follower knows: the last phase of each pod and the log stream of the first worker.</summary>
    private sealed class FollowState
    {
        public ConcurrentDictionary<string, string> Phases { get; } = new();

        public Dictionary<string, Task> Streams { get; } = [];

        public bool JobEnded { get; set; }
    }

    private async Task DeleteAsync(string name, bool service)
    {
        var background = new V1DeleteOptions { PropagationPolicy = "Background" };
        foreach (var delete in new Func<Task>[]
        {
            () => client.BatchV1.DeleteNamespacedJobAsync(name, options.Namespace, background),
            () => service ? client.CoreV1.DeleteNamespacedServiceAsync(name, options.Namespace) : Task.CompletedTask,
            () => client.CoreV1.DeleteNamespacedSecretAsync(name, options.Namespace),
        })
        {
            try
            {
                await delete();
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException)
            {
                logger.LogWarning(e, "Could not delete Kubernetes objects of {Name}", name);
            }
        }
    }

    public async Task<GpuCapacity> GetGpuCapacityAsync(CancellationToken ct)
    {
        var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: ct);
        var gpus = nodes.Items.Select(n => n.Status?.Allocatable?.TryGetValue(GpuResource, out var q) == true ? (int)q.ToInt64() : 0).ToList();
        return new GpuCapacity(nodes.Items.Count, gpus.Count(g => g > 0), gpus.Sum());
    }

    /// <summary>The Secret (token), the headless Service (several workers) and the Job of a run.</summary>
    public sealed record Manifests(V1Secret Secret, V1Service? Service, V1Job Job);

    public static Manifests BuildManifests(CustomLaunch launch, KubernetesTrainingOptions options)
    {
        var name = NameOf(launch.RunId);
        var spec = launch.Spec ?? new CustomSpec(launch.Command);
        var workers = Math.Max(1, spec.Workers);
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "aiplatform-training", ["app.kubernetes.io/managed-by"] = "aiplatform", [RunLabel] = launch.RunId.ToString("N") };
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels },
            Type = "Opaque",
            StringData = new Dictionary<string, string> { ["MLFLOW_TRACKING_TOKEN"] = launch.Environment.GetValueOrDefault("MLFLOW_TRACKING_TOKEN") ?? string.Empty },
        };

        var environment = launch.Environment.Where(e => e.Key != "MLFLOW_TRACKING_TOKEN").OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList();
        environment.Add(new V1EnvVar { Name = "MLFLOW_TRACKING_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = "MLFLOW_TRACKING_TOKEN", Name = name } } });
        environment.Add(new V1EnvVar { Name = "AIP_WORK_DIR", Value = "/work" });
        environment.Add(new V1EnvVar { Name = "PYTHONUNBUFFERED", Value = "1" });
        if (launch.DataUrl is not null)
        {
            environment.Add(new V1EnvVar { Name = "AIP_DATASET_PATH", Value = "/work/data/" + DataFileName(launch) });
        }

        V1Service? service = null;
        if (workers > 1)
        {
            environment.Add(new V1EnvVar { Name = "MASTER_ADDR", Value = $"{name}-0.{name}" });
            environment.Add(new V1EnvVar { Name = "MASTER_PORT", Value = "29500" });
            environment.Add(new V1EnvVar { Name = "WORLD_SIZE", Value = workers.ToString(CultureInfo.InvariantCulture) });
            environment.Add(new V1EnvVar { Name = "NNODES", Value = workers.ToString(CultureInfo.InvariantCulture) });
            environment.Add(new V1EnvVar { Name = "RANK", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
            environment.Add(new V1EnvVar { Name = "NODE_RANK", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
            service = new V1Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels },
                Spec = new V1ServiceSpec
                {
                    ClusterIP = "None",
                    Selector = new Dictionary<string, string> { ["job-name"] = name },
                    Ports = [new V1ServicePort { Port = 29500, Name = "torch", Protocol = "TCP" }],
                    PublishNotReadyAddresses = true,
                },
            };
        }

        var limits = new Dictionary<string, ResourceQuantity>();
        if (spec.Cpu > 0)
        {
            limits["cpu"] = new ResourceQuantity(spec.Cpu.ToString("0.###", CultureInfo.InvariantCulture));
        }

        if (spec.MemoryMb > 0)
        {
            limits["memory"] = new ResourceQuantity($"{spec.MemoryMb}Mi");
        }

        if (spec.Gpus > 0)
        {
            limits[GpuResource] = new ResourceQuantity(spec.Gpus.ToString(CultureInfo.InvariantCulture));
        }

        var fetch = new List<string> { "set -e", "mkdir -p /work/code /work/data" };
        if (launch.CodeUrl is not null)
        {
            fetch.Add("curl -fsSL -H \"Authorization: Bearer $MLFLOW_TRACKING_TOKEN\" \"$AIP_CODE_URL\" -o /work/code.zip");
            fetch.Add("unzip -q /work/code.zip -d /work/code && rm /work/code.zip");
        }
        else if (launch.GitUrl is not null)
        {
            // The URL passed the submit-time GitUrlPolicy; the pod's git keeps to web transports, without redirects or submodules.
            const string Safe = "-c protocol.allow=never -c protocol.https.allow=always -c protocol.http.allow=always -c http.followRedirects=false -c submodule.recurse=false";
            fetch.Add($"git {Safe} clone --quiet --no-recurse-submodules -- \"$AIP_GIT_URL\" /work/code" + (launch.GitRef is null ? string.Empty : $" && git {Safe} -C /work/code checkout --quiet --no-recurse-submodules \"$AIP_GIT_REF\" --"));
        }

        if (launch.DataUrl is not null)
        {
            fetch.Add($"curl -fsSL -H \"Authorization: Bearer $MLFLOW_TRACKING_TOKEN\" \"$AIP_DATA_URL\" -o /work/data/{DataFileName(launch)}");
        }

        var fetchEnv = new List<V1EnvVar> { new() { Name = "MLFLOW_TRACKING_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = "MLFLOW_TRACKING_TOKEN", Name = name } } } };
        if (launch.CodeUrl is not null)
        {
            fetchEnv.Add(new V1EnvVar { Name = "AIP_CODE_URL", Value = launch.CodeUrl });
        }

        if (launch.DataUrl is not null)
        {
            fetchEnv.Add(new V1EnvVar { Name = "AIP_DATA_URL", Value = launch.DataUrl });
        }

        if (launch.GitUrl is not null)
        {
            fetchEnv.Add(new V1EnvVar { Name = "AIP_GIT_URL", Value = launch.GitUrl });
            fetchEnv.Add(new V1EnvVar { Name = "GIT_ALLOW_PROTOCOL", Value = "https:http" });
            fetchEnv.Add(new V1EnvVar { Name = "GIT_TERMINAL_PROMPT", Value = "0" });
            if (launch.GitRef is not null)
            {
                fetchEnv.Add(new V1EnvVar { Name = "AIP_GIT_REF", Value = GitUrlPolicy.CheckRef(launch.GitRef) });
            }
        }

        var volume = new V1VolumeMount { MountPath = "/work", Name = "work" };
        var pod = new V1PodSpec
        {
            RestartPolicy = "Never",
            AutomountServiceAccountToken = false,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = options.RunAsUser is not null ? true : null,
                RunAsUser = options.RunAsUser,
                RunAsGroup = options.RunAsUser,
                FsGroup = options.RunAsUser,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            Subdomain = service is null ? null : name,
            InitContainers =
            [
                new V1Container
                {
                    Name = "fetch",
                    Image = launch.GitUrl is not null && launch.CodeUrl is null ? "alpine/git:2.47.2" : options.FetchImage,
                    Command = ["/bin/sh", "-c", string.Join("\n", fetch)],
                    Env = fetchEnv,
                    VolumeMounts = [volume],
                    SecurityContext = ContainerSecurity(),
                },
            ],
            Containers =
            [
                new V1Container
                {
                    Name = "train",
                    Image = string.IsNullOrWhiteSpace(spec.Image) ? options.DefaultImage : spec.Image,
                    Command = ["/bin/sh", "-c", launch.Command],
                    WorkingDir = "/work/code",
                    Env = environment,
                    Resources = limits.Count == 0 ? null : new V1ResourceRequirements { Limits = limits, Requests = new Dictionary<string, ResourceQuantity>(limits) },
                    VolumeMounts = [volume],
                    SecurityContext = ContainerSecurity(),
                },
            ],
            Volumes = [new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource() }],
            NodeSelector = spec.Gpus > 0 && options.GpuNodeSelector.Count > 0 ? new Dictionary<string, string>(options.GpuNodeSelector) : null,
            Tolerations = spec.Gpus > 0 ? options.GpuTolerations.Select(t => new V1Toleration { Effect = t.Effect, Key = t.Key, OperatorProperty = t.Operator, Value = t.Value }).ToList() : null,
        };
        var job = new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                Completions = workers,
                Parallelism = workers,
                CompletionMode = workers > 1 ? "Indexed" : "NonIndexed",
                TtlSecondsAfterFinished = options.TtlSecondsAfterFinished,
                ActiveDeadlineSeconds = launch.Timeout is { } timeout ? (long)timeout.TotalSeconds : null,
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = pod },
            },
        };
        return new Manifests(secret, service, job);
    }

    /// <summary>No privileged mode, no privilege escalation, no Linux capabilities: what custom code needs none of.</summary>
    private static V1SecurityContext ContainerSecurity() => new()
    {
        Privileged = false,
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    private static string DataFileName(CustomLaunch launch) => launch.DataFile is { } file ? Path.GetFileName(file) : "data";
}
