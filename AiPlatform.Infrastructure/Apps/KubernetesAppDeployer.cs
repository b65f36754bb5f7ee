using System.Globalization;
using System.Net;
using AiPlatform.Core.Apps;
using AiPlatform.Infrastructure.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Apps;

/// <summary><c>Apps:Kubernetes:*</c>: where and how app runners (the platform image in the app-runner role) run.</summary>
public sealed class AppKubernetesOptions
{
    public const string Section = "Apps:Kubernetes";

    public bool Enabled { get; set; }

    /// <summary>API server URL; empty: in-cluster configuration, or <c>KUBECONFIG</c> / <c>~/.kube/config</c>.</summary>
    public string? Host { get; set; }

    /// <summary>Where runners go: the platform's own namespace by default, so they read its ConfigMap and Secret.</summary>
    public string Namespace { get; set; } = "aiplatform";

    /// <summary>The platform image (the same version as the web host: runners share its database).</summary>
    public string Image { get; set; } = "ghcr.io/aiplatform/aiplatform-web:0.1.0";

    /// <summary>Replicas a new deployment starts with when the request names none (the HPA's minimum).</summary>
    public int Replicas { get; set; } = 1;

    public int MinReplicas { get; set; } = 1;

    /// <summary>The most replicas any app may ask for.</summary>
    public int MaxReplicas { get; set; } = 10;

    public int TargetCpuPercent { get; set; } = 70;

    /// <summary>Requests and limits of a runner container, Kubernetes quantities.</summary>
    public AppRunnerResources Resources { get; set; } = new();

    /// <summary>The ConfigMap and Secret (database, object store) the runner reads its settings from, as the web Deployment does.</summary>
    public string ConfigMapName { get; set; } = "aiplatform-config";

    public string? SecretName { get; set; } = "aiplatform-secrets";

    public string? ServiceAccountName { get; set; } = "aiplatform-app-runner";

    /// <summary>Checked at start: a wrong setting stops the host with the setting's name, not a failed deploy later.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new InvalidOperationException($"{Section}:{message}");
            }
        }

        if (!Enabled)
        {
            return;
        }

        Require(IsDnsLabel(Namespace), $"Namespace must be a DNS label (lower-case letters, digits, hyphens; at most 63), not '{Namespace}'.");
        Require(!string.IsNullOrWhiteSpace(Image), "Image must name the platform image.");
        Require(MinReplicas >= 1 && MinReplicas <= 100, $"MinReplicas must be between 1 and 100, not {MinReplicas}.");
        Require(MaxReplicas >= MinReplicas && MaxReplicas <= 100, $"MaxReplicas must be between MinReplicas and 100, not {MaxReplicas}.");
        Require(Replicas >= MinReplicas && Replicas <= MaxReplicas, $"Replicas must be between MinReplicas and MaxReplicas, not {Replicas}.");
        Require(TargetCpuPercent >= 10 && TargetCpuPercent <= 100, $"TargetCpuPercent must be between 10 and 100, not {TargetCpuPercent}.");
        foreach (var (name, value) in new[] { ("Resources:CpuRequest", Resources.CpuRequest), ("Resources:MemoryRequest", Resources.MemoryRequest), ("Resources:CpuLimit", Resources.CpuLimit), ("Resources:MemoryLimit", Resources.MemoryLimit) })
        {
            Require(value is null || IsQuantity(value), $"{name} must be a Kubernetes quantity (e.g. 250m, 512Mi), not '{value}'.");
        }

        Require(Resources.CpuRequest is not null, "Resources:CpuRequest is required: the HorizontalPodAutoscaler scales on CPU use relative to it.");
    }

    private static bool IsDnsLabel(string? value) =>
        value is { Length: > 0 and <= 63 } && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && value[0] != '-' && value[^1] != '-';

    private static bool IsQuantity(string value)
    {
        try
        {
            _ = new ResourceQuantity(value).ToDecimal();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}

public sealed class AppRunnerResources
{
    public string? CpuRequest { get; set; } = "250m";

    public string? MemoryRequest { get; set; } = "512Mi";

    public string? CpuLimit { get; set; } = "2";

    public string? MemoryLimit { get; set; } = "2Gi";
}

/// <summary>
/// App runners on Kubernetes: for each deployed app a Deployment of the platform image with <c>Platform__Role=AppRunner</c>
/// (it serves only <c>POST /api/v1/apps/{slug}/run</c> of published versions, health and metrics), a Service and an
/// autoscaling/v2 HorizontalPodAutoscaler on CPU; applied create-or-replace through the Kubernetes API like the
/// Triton deployer, failures explained by <see cref="KubernetesApiErrors"/>.
/// </summary>
public sealed class KubernetesAppDeployer(IKubernetes? client, AppKubernetesOptions options, ILogger<KubernetesAppDeployer> logger) : IAppDeployer
{
    /// <summary>The RBAC Role the platform's account needs in the runners' namespace (named in permission errors).</summary>
    private const string RunnerRole = "aiplatform-app-deployer, k8s/apps/role.yaml";

    public bool Configured => options.Enabled && client is not null;

    public string Namespace => options.Namespace;

    public AppDeploymentSpec Defaults => new(options.Replicas, Math.Max(options.Replicas, Math.Min(options.MaxReplicas, 3)), options.TargetCpuPercent);

    public int MaxReplicas => options.MaxReplicas;

    public string ResourceName(App app) => Name(app.Slug);

    /// <summary>"app-{slug}", cut to a DNS label (slugs are already lower-case letters, digits and hyphens).</summary>
    public static string Name(string slug) => ("app-" + slug)[..Math.Min(63, 4 + slug.Length)].TrimEnd('-');

    public async Task ApplyAsync(App app, AppDeploymentSpec spec, CancellationToken ct)
    {
        var k8s = client ?? throw new InvalidOperationException("Apps:Kubernetes is not enabled.");
        var (deployment, service, autoscaler) = BuildManifests(app, spec, options);
        var ns = options.Namespace;
        var name = deployment.Metadata.Name;
        var step = $"create or update the Deployment {ns}/{name}";
        var created = false;
        var applied = false;
        try
        {
            created = await ReplaceOrCreateAsync(
                () => k8s.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, name, ns, cancellationToken: ct),
                () => k8s.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns, cancellationToken: ct));
            applied = true;
            step = $"create or update the Service {ns}/{name}";
            await ReplaceOrCreateAsync(
                async () => { var existing = await k8s.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct); service.Metadata.ResourceVersion = existing.Metadata.ResourceVersion; service.Spec.ClusterIP = existing.Spec.ClusterIP; return await k8s.CoreV1.ReplaceNamespacedServiceAsync(service, name, ns, cancellationToken: ct); },
                () => k8s.CoreV1.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct));
            step = $"create or update the HorizontalPodAutoscaler {ns}/{name}";
            await ReplaceOrCreateAsync(
                () => k8s.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(autoscaler, name, ns, cancellationToken: ct),
                () => k8s.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(autoscaler, ns, cancellationToken: ct));
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
        {
            var reason = KubernetesApiErrors.Describe(e, step, RunnerRole);
            if (applied && created)
            {
                // A runner created just now without its Service or autoscaler serves no one: it goes again; one that
                // existed keeps running (it served before, and still does through its old Service).
                var removed = await TryRemoveAsync(name);
                reason += removed ? " What was created just before was removed again." : $" What was created just before could not be removed: delete app runner {ns}/{name} by hand.";
            }

            logger.LogWarning("App {Slug} not deployed: {Reason}", app.Slug, reason);
            throw new InvalidOperationException(reason, e);
        }
    }

    public async Task RemoveAsync(string resourceName, CancellationToken ct)
    {
        var k8s = client ?? throw new InvalidOperationException("Apps:Kubernetes is not enabled.");
        var ns = options.Namespace;
        foreach (var (kind, delete) in new (string, Func<Task>)[]
        {
            ("HorizontalPodAutoscaler", () => k8s.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(resourceName, ns, cancellationToken: ct)),
            ("Deployment", () => k8s.AppsV1.DeleteNamespacedDeploymentAsync(resourceName, ns, cancellationToken: ct)),
            ("Service", () => k8s.CoreV1.DeleteNamespacedServiceAsync(resourceName, ns, cancellationToken: ct)),
        })
        {
            try
            {
                await delete();
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }
            catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
            {
                throw new InvalidOperationException(KubernetesApiErrors.Describe(e, $"delete the {kind} {ns}/{resourceName}", RunnerRole), e);
            }
        }
    }

    public async Task<AppDeploymentState?> GetStateAsync(string resourceName, CancellationToken ct)
    {
        var k8s = client ?? throw new InvalidOperationException("Apps:Kubernetes is not enabled.");
        try
        {
            var deployment = await k8s.AppsV1.ReadNamespacedDeploymentAsync(resourceName, options.Namespace, cancellationToken: ct);
            return new AppDeploymentState(deployment.Spec?.Replicas ?? 0, deployment.Status?.ReadyReplicas ?? 0);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (KubernetesApiErrors.IsApiFailure(e) && !ct.IsCancellationRequested)
        {
            throw new InvalidOperationException(KubernetesApiErrors.Describe(e, $"read the Deployment {options.Namespace}/{resourceName}", RunnerRole), e);
        }
    }

    public static (V1Deployment Deployment, V1Service Service, V2HorizontalPodAutoscaler Autoscaler) BuildManifests(App app, AppDeploymentSpec spec, AppKubernetesOptions options)
    {
        var name = Name(app.Slug);
        var selector = new Dictionary<string, string> { ["aiplatform.io/app"] = app.Slug };
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "aiplatform-app-runner",
            ["app.kubernetes.io/component"] = "app-runner",
            ["app.kubernetes.io/managed-by"] = "aiplatform",
            ["aiplatform.io/app"] = app.Slug,
        };
        var annotations = new Dictionary<string, string> { ["aiplatform.io/app-id"] = app.Id.ToString() };
        var requests = Quantities(("cpu", options.Resources.CpuRequest), ("memory", options.Resources.MemoryRequest));
        var limits = Quantities(("cpu", options.Resources.CpuLimit), ("memory", options.Resources.MemoryLimit));
        var envFrom = new List<V1EnvFromSource> { new() { ConfigMapRef = new V1ConfigMapEnvSource { Name = options.ConfigMapName } } };
        if (options.SecretName is { Length: > 0 } secret)
        {
            envFrom.Add(new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = secret } });
        }

        var container = new V1Container
        {
            Name = "runner",
            Image = options.Image,
            Env =
            [
                new V1EnvVar { Name = "Platform__Role", Value = "AppRunner" },
                new V1EnvVar { Name = "Platform__AppRunner__App", Value = app.Slug },
                new V1EnvVar { Name = "Database__MigrateOnStartup", Value = "false" },
            ],
            EnvFrom = envFrom,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }, new V1ContainerPort { Name = "management", ContainerPort = 9090 }],
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health/ready", Port = "http" }, PeriodSeconds = 10, FailureThreshold = 3 },
            LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health/live", Port = "http" }, PeriodSeconds = 20, FailureThreshold = 3 },
            StartupProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health/live", Port = "http" }, PeriodSeconds = 5, FailureThreshold = 30 },
            Resources = new V1ResourceRequirements { Requests = requests, Limits = limits },
            SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
            VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/var/lib/aiplatform" }, new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
        };
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels, Annotations = annotations },
            Spec = new V1DeploymentSpec
            {
                Replicas = spec.MinReplicas,
                Selector = new V1LabelSelector { MatchLabels = selector },
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 0, MaxSurge = 1 } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = labels,
                        Annotations = new Dictionary<string, string>
                        {
                            ["prometheus.io/scrape"] = "true",
                            ["prometheus.io/port"] = "9090",
                            ["prometheus.io/path"] = "/metrics",
                            ["aiplatform.io/published-version"] = app.PublishedVersionId?.ToString() ?? string.Empty,
                        },
                    },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = options.ServiceAccountName is { Length: > 0 } account ? account : null,
                        AutomountServiceAccountToken = false,
                        SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 1654, FsGroup = 1654 },
                        Containers = [container],
                        Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }, new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
                    },
                },
            },
        };
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels, Annotations = annotations },
            Spec = new V1ServiceSpec
            {
                Selector = selector,
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http" }],
            },
        };
        var autoscaler = new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = options.Namespace, Labels = labels, Annotations = annotations },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name },
                MinReplicas = spec.MinReplicas,
                MaxReplicas = spec.MaxReplicas,
                Metrics =
                [
                    new V2MetricSpec
                    {
                        Type = "Resource",
                        Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = spec.TargetCpuPercent } },
                    },
                ],
            },
        };
        return (deployment, service, autoscaler);
    }

    private static Dictionary<string, ResourceQuantity>? Quantities(params (string Name, string? Value)[] values)
    {
        var result = values.Where(v => !string.IsNullOrWhiteSpace(v.Value)).ToDictionary(v => v.Name, v => new ResourceQuantity(v.Value));
        return result.Count > 0 ? result : null;
    }

    private async Task<bool> TryRemoveAsync(string name)
    {
        try
        {
            await RemoveAsync(name, CancellationToken.None);
            return true;
        }
        catch (InvalidOperationException e)
        {
            logger.LogWarning(e, "Could not remove app runner {Name} after a failed apply", name);
            return false;
        }
    }

    /// <summary>Replaces the object, or creates it when there is none; true when it was created. One created meanwhile (409, another node) is replaced.</summary>
    private static async Task<bool> ReplaceOrCreateAsync<T>(Func<Task<T>> replace, Func<Task<T>> create)
    {
        try
        {
            await replace();
            return false;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        try
        {
            await create();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            await replace();
            return false;
        }
    }
}
