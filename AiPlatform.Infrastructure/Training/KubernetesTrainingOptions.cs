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
