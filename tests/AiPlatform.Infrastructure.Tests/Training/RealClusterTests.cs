using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Training;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>Runs only where <c>KUBECONFIG</c> points at a real cluster (none can run in CI); shown as skipped otherwise.</summary>
public sealed class KubernetesClusterFactAttribute : FactAttribute
{
    public KubernetesClusterFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")))
        {
            Skip = "Set KUBECONFIG (and optionally AIP_TEST_K8S_NAMESPACE) to run against a real cluster.";
        }
    }
}

public sealed class RealClusterTests
{
    [KubernetesClusterFact]
    public async Task A_command_runs_as_a_job_on_the_cluster_and_its_output_comes_back()
    {
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Environment.GetEnvironmentVariable("KUBECONFIG")));
        var options = new KubernetesTrainingOptions { Namespace = Environment.GetEnvironmentVariable("AIP_TEST_K8S_NAMESPACE") ?? "default", DefaultImage = "busybox:1.36", FetchImage = "busybox:1.36" };
        var backend = new KubernetesBackend(client, options, NullLogger<KubernetesBackend>.Instance);
        var lines = new List<string>();

        var exit = await backend.RunAsync(
            new CustomLaunch(Guid.NewGuid(), "echo hello-from-the-cluster; test \"$MLFLOW_RUN_ID\" = abc", null, null, null, null,
                new Dictionary<string, string> { ["MLFLOW_RUN_ID"] = "abc", ["MLFLOW_TRACKING_TOKEN"] = "aip_test" }, TimeSpan.FromMinutes(5), new CustomSpec("x")),
            line => { lines.Add(line); return Task.CompletedTask; },
            CancellationToken.None);

        exit.ShouldBe(0, string.Join("\n", lines));
        lines.ShouldContain("hello-from-the-cluster");
    }
}
