using k8s;
using k8s.Models;

namespace AiPlatform.Infrastructure.Tests.Kubernetes;

/// <summary>Loads every manifest in <c>k8s/</c> strictly (an unknown field fails) and checks the install's invariants.</summary>
public class ManifestTests
{
    private static readonly string K8sRoot = Path.Combine(RepositoryRoot(), "k8s");

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(K8sRoot, "*.yaml", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "kustomization.yaml").Order())
        {
            data.Add(Path.GetRelativePath(K8sRoot, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Every_manifest_loads_strictly(string file)
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(K8sRoot, file)), strict: true);

        objects.ShouldNotBeEmpty();
    }

    [Fact]
    public void The_platform_may_run_training_jobs_in_their_namespace_and_nothing_more()
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(K8sRoot, "training", "role.yaml")), strict: true);
        var role = objects.OfType<V1Role>().Single();
        role.Metadata.NamespaceProperty.ShouldBe("aiplatform-training");
        role.Rules.Single(r => r.ApiGroups.Contains("batch")).Verbs.ShouldBe(["create", "get", "list", "watch", "delete"], ignoreOrder: true);
        role.Rules.SelectMany(r => r.Verbs).ShouldNotContain("*");
        var binding = objects.OfType<V1RoleBinding>().Single();
        binding.Subjects.Single().Name.ShouldBe("aiplatform-web");
        binding.Subjects.Single().NamespaceProperty.ShouldBe("aiplatform");
        File.ReadAllText(Path.Combine(K8sRoot, "overlays", "production", "kustomization.yaml")).ShouldContain("../../training");
        var config = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(K8sRoot, "base", "configmap.yaml")), strict: true).OfType<V1ConfigMap>().Single();
        config.Data["Training__Kubernetes__Enabled"].ShouldBe("true");
        config.Data["Training__Kubernetes__Namespace"].ShouldBe(role.Metadata.NamespaceProperty);
    }

    [Fact]
    public void The_platform_may_manage_triton_deployments_in_the_serving_namespace_and_nothing_more()
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(K8sRoot, "serving", "role.yaml")), strict: true);
        var role = objects.OfType<V1Role>().Single();
        role.Metadata.NamespaceProperty.ShouldBe("aiplatform-serving");
        role.Rules.Single(r => r.ApiGroups.Contains("apps")).Resources.ShouldBe(["deployments"]);
        role.Rules.SelectMany(r => r.Verbs).ShouldNotContain("*");
        role.Rules.SelectMany(r => r.Resources).ShouldNotContain("secrets");
        objects.OfType<V1RoleBinding>().Single().Subjects.Single().Name.ShouldBe("aiplatform-web");
        File.ReadAllText(Path.Combine(K8sRoot, "overlays", "production", "kustomization.yaml")).ShouldContain("../../serving");
        var config = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(K8sRoot, "base", "configmap.yaml")), strict: true).OfType<V1ConfigMap>().Single();
        config.Data["Serving__Kubernetes__Namespace"].ShouldBe(role.Metadata.NamespaceProperty);
        config.Data["Serving__Kubernetes__ModelRepositoryUrl"].ShouldStartWith("s3://");
    }

    [Fact]
    public void Every_base_manifest_is_listed_in_the_kustomization_and_exists()
    {
        var kustomization = File.ReadAllLines(Path.Combine(K8sRoot, "base", "kustomization.yaml"));
        var listed = kustomization.SkipWhile(l => l.Trim() != "resources:").Skip(1).TakeWhile(l => l.TrimStart().StartsWith('-')).Select(l => l.Trim()[1..].Trim()).ToList();
        var present = Directory.EnumerateFiles(Path.Combine(K8sRoot, "base"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").ToList();

        listed.Order().ShouldBe(present.Order());
    }

    [Fact]
    public void Every_container_has_resource_limits_and_a_pinned_image()
    {
        var containers = BaseObjects().SelectMany(PodSpecs).SelectMany(s => s.Containers).ToList();

        containers.Count.ShouldBeGreaterThanOrEqualTo(4);
        foreach (var container in containers)
        {
            container.Resources?.Limits.ShouldNotBeNull($"{container.Name} has no limits");
            container.Resources!.Limits.Keys.ShouldBe(["cpu", "memory"], ignoreOrder: true);
            container.Resources.Requests.ShouldNotBeNull($"{container.Name} has no requests");
            var image = container.Image;
            var tag = image[(image.LastIndexOf('/') + 1)..].Split(':').ElementAtOrDefault(1);
            tag.ShouldNotBeNullOrEmpty($"{image} has no tag");
            tag.ShouldNotBe("latest");
        }
    }

    [Fact]
    public void The_web_probes_point_at_the_health_endpoints_and_the_migration_job_runs_migrations()
    {
        var web = BaseObjects().OfType<V1Deployment>().Single(d => d.Metadata.Name == "aiplatform-web").Spec.Template.Spec.Containers.Single();
        var migrate = BaseObjects().OfType<V1Job>().Single().Spec.Template.Spec.Containers.Single();

        web.ReadinessProbe.HttpGet.Path.ShouldBe("/health/ready");
        web.LivenessProbe.HttpGet.Path.ShouldBe("/health/live");
        migrate.Args.ShouldContain("--migrate-only");
        migrate.Image.ShouldBe(web.Image);
    }

    [Fact]
    public void The_ingress_terminates_tls_and_the_config_selects_the_production_adapters()
    {
        var ingress = BaseObjects().OfType<V1Ingress>().Single();
        var config = BaseObjects().OfType<V1ConfigMap>().Single();

        ingress.Spec.Tls.ShouldNotBeEmpty();
        ingress.Spec.Tls[0].Hosts.ShouldContain(ingress.Spec.Rules[0].Host);
        config.Data["Database__Provider"].ShouldBe("Postgres");
        config.Data["Storage__Provider"].ShouldBe("Minio");
        config.Data["Database__MigrateOnStartup"].ShouldBe("false");
    }

    [Fact]
    public void Prometheus_scrapes_the_management_port_which_the_ingress_does_not_expose()
    {
        var config = BaseObjects().OfType<V1ConfigMap>().Single();
        var web = BaseObjects().OfType<V1Deployment>().Single(d => d.Metadata.Name == "aiplatform-web").Spec.Template;
        var services = BaseObjects().OfType<V1Service>().Where(s => s.Spec.Selector["app.kubernetes.io/name"] == "aiplatform-web").ToList();
        var ingress = BaseObjects().OfType<V1Ingress>().Single();

        config.Data["Observability__ManagementUrls"].ShouldEndWith(":9090");
        web.Spec.Containers.Single().Ports.Single(p => p.Name == "management").ContainerPort.ShouldBe(9090);
        web.Metadata.Annotations["prometheus.io/port"].ShouldBe("9090");
        var metrics = services.Single(s => s.Metadata.Name == "aiplatform-web-metrics");
        metrics.Spec.Ports.Single().TargetPort.Value.ShouldBe("management");
        (metrics.Spec.Type ?? "ClusterIP").ShouldBe("ClusterIP");
        foreach (var backend in ingress.Spec.Rules.SelectMany(r => r.Http.Paths).Select(p => p.Backend.Service))
        {
            backend.Name.ShouldNotBe(metrics.Metadata.Name);
            var service = services.Single(s => s.Metadata.Name == backend.Name);
            service.Spec.Ports.Select(p => p.TargetPort?.Value).ShouldNotContain("management");
            service.Spec.Ports.Select(p => p.Port).ShouldNotContain(9090);
        }
    }

    private static IEnumerable<object> BaseObjects() =>
        Directory.EnumerateFiles(Path.Combine(K8sRoot, "base"), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f), strict: true));

    private static IEnumerable<V1PodSpec> PodSpecs(object o) => o switch
    {
        V1Deployment d => [d.Spec.Template.Spec],
        V1StatefulSet s => [s.Spec.Template.Spec],
        V1Job j => [j.Spec.Template.Spec],
        _ => [],
    };

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("AiPlatform.sln not found above the test folder.");
    }
}
