using System.Globalization;
using System.Text;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Serving;

/// <summary><c>Serving:Kubernetes:*</c>: where and how Triton Inference Server runs for endpoints on the Triton runtime.</summary>
public sealed class TritonOptions
{
    public bool Enabled { get; set; }

    /// <summary>API server URL; empty: in-cluster configuration, or <c>KUBECONFIG</c> / <c>~/.kube/config</c>.</summary>
    public string? Host { get; set; }

    public string Namespace { get; set; } = "aiplatform-serving";

    public string Image { get; set; } = "nvcr.io/nvidia/tritonserver:25.01-py3";

    /// <summary>GPUs per Triton pod (0: CPU instances, <c>KIND_CPU</c>).</summary>
    public int GpusPerReplica { get; set; } = 1;

    /// <summary>
    /// The object store as Triton reads it, e.g. <c>s3://http://minio.aiplatform:9000/aiplatform</c>; the model
    /// repository of an endpoint is <c>{ModelRepositoryUrl}/serving/{endpoint}</c>.
    /// </summary>
    public string ModelRepositoryUrl { get; set; } = "s3://http://minio:9000/aiplatform";

    /// <summary>Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for Triton's S3 reads (created by the operator).</summary>
    public string? S3CredentialsSecret { get; set; } = "aiplatform-triton-s3";

    /// <summary>Where the platform reaches an endpoint's Triton; <c>{name}</c> and <c>{namespace}</c> are replaced.</summary>
    public string ServiceUrlTemplate { get; set; } = "http://triton-{name}.{namespace}.svc:8000";

    public Dictionary<string, string> GpuNodeSelector { get; set; } = new() { ["nvidia.com/gpu.present"] = "true" };

    /// <summary>
    /// How long an endpoint may stay Deploying (Triton not answering ready) after its manifests were applied; then it
    /// fails with the reason and its Deployment and Service are removed, so a Triton that cannot start holds no GPU.
    /// </summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Triton on Kubernetes: writes the endpoint's model repository (<c>{endpoint}/config.pbtxt</c> with dynamic batching
/// and an <c>instance_group</c> of KIND_GPU, and <c>{endpoint}/{version}/model.onnx</c>) to the object store, then
/// creates or replaces a Deployment and a Service through the Kubernetes API. Readiness is Triton's own
/// <c>/v2/health/ready</c> and <c>/v2/models/{name}/ready</c>.
/// </summary>
public sealed class TritonDeployer(IKubernetes? client, TritonOptions options, IObjectStore objects, IHttpClientFactory http, ILogger<TritonDeployer> logger) : ITritonDeployer
{
    public const string GpuResource = "nvidia.com/gpu";

    /// <summary>The RBAC Role the platform's account needs in the serving namespace (named in permission errors).</summary>
    private const string ServingRole = "aiplatform-serving-deployer, k8s/serving/role.yaml";

    public bool Configured => options.Enabled && client is not null;

    public async Task ApplyAsync(ServingEndpoint endpoint, IReadOnlyList<TritonModel> models, CancellationToken ct)
    {
        var k8s = client ?? throw new InvalidOperationException("Serving:Kubernetes is not enabled.");
        var config = BuildConfig(endpoint, models, options.GpusPerReplica);
        await using (var content = new MemoryStream(Encoding.UTF8.GetBytes(config)))
        {
            await objects.PutAsync(ObjectKey.Create("serving", endpoint.Name, endpoint.Name, "config.pbtxt"), content, content.Length, "text/plain", ct);
        }

        foreach (var model in models)
        {
            await using var source = await objects.OpenReadAsync(ObjectKey.Parse(model.ObjectKey), ct);
            await objects.PutAsync(ObjectKey.Create("serving", endpoint.Name, endpoint.Name, model.Version.ToString(CultureInfo.InvariantCulture), "model.onnx"), source, null, "application/octet-stream", ct);
        }

        var (deployment, service) = BuildManifests(endpoint, options);
        var step = $"create or update the Deployment {options.Namespace}/{deployment.Metadata.Name}";
        var created = false;
        var applied = false;
        try
        {
            created = await ReplaceOrCreateAsync(
                () => k8s.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, deployment.Metadata.Name, options.Namespace, cancellationToken: ct),
                () => k8s.AppsV1.CreateNamespacedDeploymentAsync(deployment, options.Namespace, cancellationToken: ct));
            applied = true;
            step = $"create or update the Service {options.Namespace}/{service.Metadata.Name}";
            await ReplaceOrCreateAsync(
                async () => { var existing = await k8s.CoreV1.ReadNamespacedServiceAsync(service.Metadata.Name, options.Namespace, cancellationToken: ct); service.Metadata.ResourceVersion = existing.Metadata.ResourceVersion; service.Spec.ClusterIP = existing.Spec.ClusterIP; return await k8s.CoreV1.ReplaceNamespacedServiceAsync(service, service.Metadata.Name, options.Namespace, cancellationToken: ct); },
                () => k8s.CoreV1.CreateNamespacedServiceAsync(service, options.Namespace, cancellationToken: ct));
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
        {
            var reason = KubernetesApiErrors.Describe(e, step, ServingRole);
            if (applied)
            {
                // A Deployment without its Service serves no one but would hold GPUs, and the endpoint ends Failed, which
                // nothing else cleans up: the Deployment goes again, also one that existed and was just replaced.
                var removed = await TryDeleteAsync(() => k8s.AppsV1.DeleteNamespacedDeploymentAsync(deployment.Metadata.Name, options.Namespace, cancellationToken: CancellationToken.None));
                var which = created ? "The Deployment created just before" : $"The Deployment {options.Namespace}/{deployment.Metadata.Name}, just updated,";
                reason += removed
                    ? $" {which} was removed so that it holds no GPU."
                    : $" {which} could not be removed and must be deleted by hand.";
            }

            logger.LogWarning("Triton endpoint {Endpoint} not applied: {Reason}", endpoint.Name, reason);
            throw new InvalidOperationException(reason, e);
        }
    }

    public async Task<bool> IsReadyAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        var httpClient = http.CreateClient(nameof(TritonDeployer));
        var root = BaseAddress(endpoint);
        try
        {
            using var server = await httpClient.GetAsync(new Uri(root, "v2/health/ready"), ct);
            using var model = await httpClient.GetAsync(new Uri(root, $"v2/models/{endpoint.Name}/versions/{endpoint.Version}/ready"), ct);
            return server.IsSuccessStatusCode && model.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            logger.LogDebug(e, "Triton of {Endpoint} not reachable yet", endpoint.Name);
            return false;
        }
    }

    public Uri BaseAddress(ServingEndpoint endpoint) =>
        new(options.ServiceUrlTemplate.Replace("{name}", endpoint.Name, StringComparison.Ordinal).Replace("{namespace}", options.Namespace, StringComparison.Ordinal).TrimEnd('/') + "/");

    public async Task DeleteAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        if (client is not null)
        {
            foreach (var (kind, delete) in new (string, Func<Task>)[]
            {
                ("Deployment", () => client.AppsV1.DeleteNamespacedDeploymentAsync(ResourceName(endpoint), options.Namespace, cancellationToken: ct)),
                ("Service", () => client.CoreV1.DeleteNamespacedServiceAsync(ResourceName(endpoint), options.Namespace, cancellationToken: ct)),
            })
            {
                try
                {
                    await delete();
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                }
                catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
                {
                    throw new InvalidOperationException(KubernetesApiErrors.Describe(e, $"delete the {kind} {options.Namespace}/{ResourceName(endpoint)}", ServingRole), e);
                }
            }
        }

        await objects.DeleteAsync(ObjectKey.Create("serving", endpoint.Name, endpoint.Name, "config.pbtxt"), ct);
    }

    public TimeSpan ReadinessTimeout => options.ReadinessTimeout;

    public async Task<string?> DescribePodsAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        if (client is null)
        {
            return null;
        }

        try
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(options.Namespace, labelSelector: $"aiplatform.io/endpoint={endpoint.Name}", cancellationToken: ct);
            if (pods.Items.Count == 0)
            {
                return "no Triton pod exists (see the Deployment's events)";
            }

            return string.Join("; ", pods.Items.Take(3).Select(pod => $"pod {pod.Metadata.Name}: {PodState(pod)}"));
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
        {
            logger.LogDebug(e, "Could not read the Triton pods of {Endpoint}", endpoint.Name);
            return null;
        }
    }

    /// <summary>Why a pod is not ready, in the words Kubernetes uses: a waiting reason, an unschedulable condition, or its phase.</summary>
    private static string PodState(V1Pod pod)
    {
        var waiting = pod.Status?.ContainerStatuses?.Select(c => c.State?.Waiting).FirstOrDefault(w => w?.Reason is not null);
        if (waiting is not null)
        {
            return Brief(waiting.Reason, waiting.Message);
        }

        if (pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False") is { } unscheduled)
        {
            return Brief(unscheduled.Reason ?? "Unschedulable", unscheduled.Message);
        }

        var terminated = pod.Status?.ContainerStatuses?.Select(c => c.LastState?.Terminated ?? c.State?.Terminated).FirstOrDefault(t => t is not null);
        return terminated is not null ? Brief($"{pod.Status?.Phase ?? "Pending"}, last exit code {terminated.ExitCode}", terminated.Reason)
            : $"{pod.Status?.Phase ?? "Pending"}, not ready";
    }

    private static string Brief(string reason, string? message) =>
        string.IsNullOrWhiteSpace(message) ? reason : $"{reason} ({(message.Length > 200 ? message[..200] + "…" : message)})";

    private async Task<bool> TryDeleteAsync(Func<Task> delete)
    {
        try
        {
            await delete();
            return true;
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e))
        {
            logger.LogWarning(e, "Could not remove a Triton Deployment after a failed apply");
            return false;
        }
    }

    public static string ResourceName(ServingEndpoint endpoint) => "triton-" + endpoint.Name;

    /// <summary>Triton's model configuration: ONNX Runtime backend, served versions, tensors, dynamic batching, instances.</summary>
    public static string BuildConfig(ServingEndpoint endpoint, IReadOnlyList<TritonModel> models, int gpus = 1)
    {
        // The loader hands over the served signature; applying the rule again keeps a hand-made one as safe.
        var signature = models[0].Signature is { } full ? ServedOutputs.Of(full, builtInTrained: false) : null;
        var batching = endpoint.MaxBatchSize > 1 && signature is not null && signature.Inputs.All(i => i.Shape.Count >= 1 && i.Shape[0] < 0)
            && signature.Outputs.All(o => o.Shape.Count >= 1 && o.Shape[0] < 0);
        var config = new StringBuilder();
        config.AppendLine(CultureInfo.InvariantCulture, $"name: \"{endpoint.Name}\"");
        config.AppendLine("platform: \"onnxruntime_onnx\"");
        config.AppendLine(CultureInfo.InvariantCulture, $"max_batch_size: {(batching ? endpoint.MaxBatchSize : 0)}");
        config.AppendLine(CultureInfo.InvariantCulture, $"version_policy: {{ specific: {{ versions: [{string.Join(", ", models.Select(m => m.Version))}] }} }}");
        if (signature is not null)
        {
            Tensors(config, "input", signature.Inputs, batching);
            Tensors(config, "output", signature.Outputs, batching);
        }

        if (batching)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"dynamic_batching {{ max_queue_delay_microseconds: {endpoint.MaxQueueDelayMicroseconds} }}");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $"instance_group [ {{ count: 1, kind: {(gpus > 0 ? "KIND_GPU" : "KIND_CPU")} }} ]");
        return config.ToString();
    }

    public static (V1Deployment Deployment, V1Service Service) BuildManifests(ServingEndpoint endpoint, TritonOptions options)
    {
        var name = ResourceName(endpoint);
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "triton",
            ["app.kubernetes.io/managed-by"] = "aiplatform",
            ["aiplatform.io/endpoint"] = endpoint.Name,
        };
        var limits = new Dictionary<string, ResourceQuantity>();
        if (options.GpusPerReplica > 0)
        {
            limits[GpuResource] = new ResourceQuantity(options.GpusPerReplica.ToString(CultureInfo.InvariantCulture));
        }

        var container = new V1Container
        {
            Name = "triton",
            Image = options.Image,
            Args =
            [
                "tritonserver",
                $"--model-repository={options.ModelRepositoryUrl.TrimEnd('/')}/serving/{endpoint.Name}",
                "--model-control-mode=none",
                "--strict-readiness=true",
            ],
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8000 }, new V1ContainerPort { Name = "grpc", ContainerPort = 8001 }, new V1ContainerPort { Name = "metrics", ContainerPort = 8002 }],
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/v2/health/ready", Port = 8000 }, PeriodSeconds = 5 },
            LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/v2/health/live", Port = 8000 }, PeriodSeconds = 10, InitialDelaySeconds = 30 },
            Resources = new V1ResourceRequirements { Limits = limits.Count > 0 ? limits : null },
            EnvFrom = options.S3CredentialsSecret is { Length: > 0 } secret ? [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = secret } }] : null,
        };
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = endpoint.Replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["aiplatform.io/endpoint"] = endpoint.Name } },
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 0, MaxSurge = 1 } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels, Annotations = new Dictionary<string, string> { ["aiplatform.io/versions"] = string.Join(",", endpoint.CanaryVersion is { } c ? [endpoint.Version, c] : new[] { endpoint.Version }), ["aiplatform.io/updated"] = endpoint.UpdatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) } },
                    Spec = new V1PodSpec
                    {
                        Containers = [container],
                        NodeSelector = options.GpusPerReplica > 0 && options.GpuNodeSelector.Count > 0 ? options.GpuNodeSelector : null,
                        Tolerations = options.GpusPerReplica > 0 ? [new V1Toleration { Key = GpuResource, OperatorProperty = "Exists", Effect = "NoSchedule" }] : null,
                    },
                },
            },
        };
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["aiplatform.io/endpoint"] = endpoint.Name },
                Ports = [new V1ServicePort { Name = "http", Port = 8000, TargetPort = 8000 }, new V1ServicePort { Name = "metrics", Port = 8002, TargetPort = 8002 }],
            },
        };
        return (deployment, service);
    }

    private static void Tensors(StringBuilder config, string kind, IReadOnlyList<TensorSpec> tensors, bool batching)
    {
        config.AppendLine(CultureInfo.InvariantCulture, $"{kind} [");
        config.AppendLine(string.Join(",\n", tensors.Select(t =>
        {
            var dims = (batching ? t.Shape.Skip(1) : t.Shape).ToList();
            return $"  {{ name: \"{t.Name}\", data_type: TYPE_{TritonType(t.DataType)}, dims: [ {(dims.Count == 0 ? "1" : string.Join(", ", dims))} ] }}";
        })));
        config.AppendLine("]");
    }

    private static string TritonType(string dataType) => dataType switch
    {
        "BYTES" => "STRING",
        "BF16" => "BF16",
        var t => t,
    };

    /// <summary>Replaces the object, or creates it when there is none; true when it was created. One created meanwhile (409, another node) is replaced.</summary>
    private static async Task<bool> ReplaceOrCreateAsync<T>(Func<Task<T>> replace, Func<Task<T>> create)
    {
        try
        {
            await replace();
            return false;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }

        try
        {
            await create();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            await replace();
            return false;
        }
    }
}
