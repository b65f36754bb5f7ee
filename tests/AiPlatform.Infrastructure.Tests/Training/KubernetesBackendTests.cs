using System.Collections.Concurrent;
using System.Text.Json;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Training;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>
/// The Kubernetes backend against a local stub of the API server that speaks the Kubernetes REST JSON (no cluster
/// can run here), and its manifests checked strictly by the client's own YAML loader.
/// </summary>
public sealed class KubernetesBackendTests : IAsyncLifetime
{
    private readonly FakeKubernetes _api = new();
    private IKubernetes _client = default!;

    public async Task InitializeAsync()
    {
        await _api.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Url });
    }

    public Task DisposeAsync() => _api.DisposeAsync().AsTask();

    [Fact]
    public void A_distributed_gpu_run_becomes_an_indexed_job_with_a_headless_service_and_the_torchrun_environment()
    {
        var options = new KubernetesTrainingOptions();
        var launch = Launch(new CustomSpec("torchrun train.py", CodeKey: "training-code/x.zip", Image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", Cpu: 4, MemoryMb: 16384, Gpus: 2, Workers: 3), timeout: TimeSpan.FromHours(2));

        var manifests = KubernetesBackend.BuildManifests(launch, options);
        var yaml = string.Join("\n---\n", KubernetesYaml.Serialize(manifests.Secret), KubernetesYaml.Serialize(manifests.Service!), KubernetesYaml.Serialize(manifests.Job));
        var loaded = KubernetesYaml.LoadAllFromString(yaml, strict: true);

        loaded.Count.ShouldBe(3);
        var job = loaded.OfType<V1Job>().Single();
        job.Spec.CompletionMode.ShouldBe("Indexed");
        job.Spec.Completions.ShouldBe(3);
        job.Spec.Parallelism.ShouldBe(3);
        job.Spec.BackoffLimit.ShouldBe(0);
        job.Spec.ActiveDeadlineSeconds.ShouldBe(7200);
        var pod = job.Spec.Template.Spec;
        pod.Subdomain.ShouldBe(job.Metadata.Name);
        pod.NodeSelector.ShouldContainKeyAndValue("nvidia.com/gpu.present", "true");
        pod.Tolerations.Single().Key.ShouldBe("nvidia.com/gpu");
        var train = pod.Containers.Single();
        train.Image.ShouldBe("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
        train.Resources.Limits["nvidia.com/gpu"].ToString().ShouldBe("2");
        train.Resources.Limits["memory"].ToString().ShouldBe("16Gi");
        train.Env.Single(e => e.Name == "WORLD_SIZE").Value.ShouldBe("3");
        train.Env.Single(e => e.Name == "MASTER_ADDR").Value.ShouldBe($"{job.Metadata.Name}-0.{job.Metadata.Name}");
        train.Env.Single(e => e.Name == "RANK").ValueFrom.FieldRef.FieldPath.ShouldBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        train.Env.Single(e => e.Name == "MLFLOW_TRACKING_TOKEN").ValueFrom.SecretKeyRef.Name.ShouldBe(manifests.Secret.Metadata.Name);
        train.Env.ShouldNotContain(e => e.Value == "aip_secret_token", "the token only travels in the Secret");
        pod.InitContainers.Single().Command[2].ShouldContain("$AIP_CODE_URL");
        var service = loaded.OfType<V1Service>().Single();
        service.Spec.ClusterIP.ShouldBe("None");
        service.Spec.Selector["job-name"].ShouldBe(job.Metadata.Name);
    }

    [Fact]
    public void Training_pods_are_not_privileged_drop_every_capability_and_get_no_service_account_token()
    {
        var launch = Launch(new CustomSpec("python train.py", CodeKey: "training-code/x.zip"));

        var stock = KubernetesBackend.BuildManifests(launch, new KubernetesTrainingOptions()).Job.Spec.Template.Spec;
        var nonRoot = KubernetesBackend.BuildManifests(launch, new KubernetesTrainingOptions { RunAsUser = 1000 }).Job.Spec.Template.Spec;

        foreach (var container in stock.InitContainers.Concat(stock.Containers))
        {
            container.SecurityContext.Privileged.ShouldBe(false);
            container.SecurityContext.AllowPrivilegeEscalation.ShouldBe(false);
            container.SecurityContext.Capabilities.Drop.ShouldBe(["ALL"]);
        }

        stock.AutomountServiceAccountToken.ShouldBe(false, "custom code gets no credentials for the cluster's API");
        stock.SecurityContext.SeccompProfile.Type.ShouldBe("RuntimeDefault");
        stock.SecurityContext.RunAsNonRoot.ShouldBeNull("stock images such as python:3.12-slim run as root");
        nonRoot.SecurityContext.RunAsNonRoot.ShouldBe(true);
        nonRoot.SecurityContext.RunAsUser.ShouldBe(1000);
        nonRoot.SecurityContext.FsGroup.ShouldBe(1000);
    }

    [Fact]
    public async Task A_run_creates_its_objects_follows_the_pod_streams_the_log_and_cleans_up()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, NullLogger<KubernetesBackend>.Instance);
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: 0, log: "epoch 1 loss 0.5\nepoch 2 loss 0.3\n");
        var log = new ConcurrentQueue<string>();

        var exit = await backend.RunAsync(launch, line => { log.Enqueue(line); return Task.CompletedTask; }, CancellationToken.None);

        exit.ShouldBe(0);
        log.ShouldContain("epoch 2 loss 0.3");
        log.ShouldContain(l => l.Contains("Running"));
        _api.Created.ShouldBe([$"secrets/{name}", $"jobs/{name}"]);
        _api.Deleted.ShouldBe([$"jobs/{name}", $"secrets/{name}"], ignoreOrder: true);
        _api.CreatedSecrets[name].ShouldContain("aip_secret_token");
    }

    [Fact]
    public async Task A_failing_pod_returns_its_exit_code_and_cancelling_deletes_the_job()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, NullLogger<KubernetesBackend>.Instance);
        var failing = Launch(new CustomSpec("python crash.py"));
        _api.Script(KubernetesBackend.NameOf(failing.RunId), exitCode: 3, log: "Traceback\n");
        (await backend.RunAsync(failing, _ => Task.CompletedTask, CancellationToken.None)).ShouldBe(3);

        var endless = Launch(new CustomSpec("sleep infinity"));
        var name = KubernetesBackend.NameOf(endless.RunId);
        _api.Script(name, exitCode: null, log: string.Empty);
        using var cancel = new CancellationTokenSource();
        var running = backend.RunAsync(endless, _ => Task.CompletedTask, cancel.Token);
        await Eventually.UntilAsync(() => _api.Created.Contains($"jobs/{name}"), "the endless run's Kubernetes job to be created");
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => running);
        _api.Deleted.ShouldContain($"jobs/{name}");
    }

    [Fact]
    public async Task Releasing_a_run_whose_platform_job_was_settled_deletes_its_job_service_and_secret()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions(), NullLogger<KubernetesBackend>.Instance);
        var runId = Guid.NewGuid();
        var name = KubernetesBackend.NameOf(runId);

        await ((ITrainingBackend)backend).ReleaseAsync(runId, CancellationToken.None);

        _api.Deleted.ShouldBe([$"jobs/{name}", $"services/{name}", $"secrets/{name}"], ignoreOrder: true);
    }

    [Fact]
    public async Task Gpu_capacity_is_the_sum_of_the_nodes_allocatable_gpus()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions(), NullLogger<KubernetesBackend>.Instance);

        var capacity = await backend.GetGpuCapacityAsync(CancellationToken.None);

        capacity.ShouldBe(new GpuCapacity(3, 2, 12));
    }

    private static CustomLaunch Launch(CustomSpec spec, TimeSpan? timeout = null) => new(
        Guid.NewGuid(), spec.Command, null, null, null, null,
        new Dictionary<string, string> { ["MLFLOW_TRACKING_URI"] = "http://platform:8080", ["MLFLOW_TRACKING_TOKEN"] = "aip_secret_token", ["MLFLOW_RUN_ID"] = "abc" },
        timeout, spec, spec.CodeKey is null ? null : "http://platform:8080/api/v1/training-runs/x/code", null);

    /// <summary>Just enough of the API server: secrets, services, jobs (status after one poll), pods, logs, nodes.</summary>
    private sealed class FakeKubernetes : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, (int? ExitCode, string Log, int Polls)> _scripts = new();
        private WebApplication? _app;

        public string Url { get; private set; } = string.Empty;

        public ConcurrentQueue<string> CreatedQueue { get; } = new();

        public List<string> Created => [.. CreatedQueue];

        public ConcurrentBag<string> DeletedBag { get; } = [];

        public List<string> Deleted => [.. DeletedBag];

        public ConcurrentDictionary<string, string> CreatedSecrets { get; } = new();

        public void Script(string job, int? exitCode, string log) => _scripts[job] = (exitCode, log, 0);

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.MapPost("/api/v1/namespaces/{ns}/secrets", async (HttpContext http) =>
            {
                var secret = await JsonDocument.ParseAsync(http.Request.Body);
                var name = secret.RootElement.GetProperty("metadata").GetProperty("name").GetString()!;
                CreatedSecrets[name] = secret.RootElement.ToString();
                CreatedQueue.Enqueue("secrets/" + name);
                return Results.Text(secret.RootElement.ToString(), "application/json", statusCode: 201);
            });
            _app.MapPost("/api/v1/namespaces/{ns}/services", async (HttpContext http) =>
            {
                var body = await JsonDocument.ParseAsync(http.Request.Body);
                CreatedQueue.Enqueue("services/" + body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
                return Results.Text(body.RootElement.ToString(), "application/json", statusCode: 201);
            });
            _app.MapPost("/apis/batch/v1/namespaces/{ns}/jobs", async (HttpContext http) =>
            {
                var body = await JsonDocument.ParseAsync(http.Request.Body);
                CreatedQueue.Enqueue("jobs/" + body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
                return Results.Text(body.RootElement.ToString(), "application/json", statusCode: 201);
            });
            _app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs/{name}/status", (string name) =>
            {
                var (exit, log, polls) = _scripts[name];
                _scripts[name] = (exit, log, polls + 1);
                var status = polls < 1 || exit is null ? new V1JobStatus { Active = 1 } : exit == 0 ? new V1JobStatus { Succeeded = 1 } : new V1JobStatus { Failed = 1 };
                return Json(new V1Job { ApiVersion = "batch/v1", Kind = "Job", Metadata = new V1ObjectMeta { Name = name }, Status = status });
            });
            _app.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext http) =>
            {
                var name = http.Request.Query["labelSelector"].ToString()["job-name=".Length..];
                var (exit, _, polls) = _scripts.GetValueOrDefault(name);
                var phase = polls < 1 || exit is null ? "Running" : exit == 0 ? "Succeeded" : "Failed";
                var pod = new V1Pod
                {
                    Metadata = new V1ObjectMeta { Name = name + "-x1", Labels = new Dictionary<string, string> { ["job-name"] = name } },
                    Status = new V1PodStatus
                    {
                        Phase = phase,
                        ContainerStatuses = [new V1ContainerStatus { Name = "train", Image = "img", ImageID = "id", Ready = phase == "Running", RestartCount = 0, State = phase == "Failed" ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exit!.Value } } : new V1ContainerState() }],
                    },
                };
                return Json(new V1PodList { ApiVersion = "v1", Kind = "PodList", Items = [pod], Metadata = new V1ListMeta() });
            });
            _app.MapGet("/api/v1/namespaces/{ns}/pods/{pod}/log", (string pod) => Results.Text(_scripts.GetValueOrDefault(pod[..^3]).Log, "text/plain"));
            _app.MapDelete("/apis/batch/v1/namespaces/{ns}/jobs/{name}", (string name) => { DeletedBag.Add("jobs/" + name); return Json(new V1Status { Status = "Success" }); });
            _app.MapDelete("/api/v1/namespaces/{ns}/secrets/{name}", (string name) => { DeletedBag.Add("secrets/" + name); return Json(new V1Status { Status = "Success" }); });
            _app.MapDelete("/api/v1/namespaces/{ns}/services/{name}", (string name) => { DeletedBag.Add("services/" + name); return Json(new V1Status { Status = "Success" }); });
            _app.MapGet("/api/v1/nodes", () => Json(new V1NodeList
            {
                ApiVersion = "v1",
                Kind = "NodeList",
                Metadata = new V1ListMeta(),
                Items =
                [
                    Node("cpu-1", null),
                    Node("gpu-1", "8"),
                    Node("gpu-2", "4"),
                ],
            }));
            await _app.StartAsync();
            Url = _app.Urls.First();
        }

        private static V1Node Node(string name, string? gpus) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Status = new V1NodeStatus { Allocatable = gpus is null ? new Dictionary<string, ResourceQuantity> { ["cpu"] = new("8") } : new Dictionary<string, ResourceQuantity> { ["cpu"] = new("32"), ["nvidia.com/gpu"] = new(gpus) } },
        };

        private static IResult Json(object value) => Results.Text(KubernetesJson.Serialize(value), "application/json");

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
