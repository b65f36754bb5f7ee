using System.Globalization;
using AiPlatform.Core.Training;
using k8s.Models;

namespace AiPlatform.Infrastructure.Training;

/// <summary>The objects of a run on Kubernetes: its Secret, the headless Service of several workers, and the Job.</summary>
public sealed partial class KubernetesBackend
{
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
