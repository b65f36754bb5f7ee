using AiPlatform.Core.Apps;
using AiPlatform.Infrastructure.Apps;
using AiPlatform.Infrastructure.Tests.Builders;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Apps.Deployment;

/// <summary>
/// The app deployer's manifests (loaded strictly) and its calls against the local stub of the Kubernetes API server the
/// Triton tests use, which refuses, fails or drops calls on demand.
/// </summary>
public sealed class KubernetesAppDeployerTests : IAsyncLifetime
{
    private static readonly App App = new() { Id = Guid.NewGuid(), Slug = "support-bot", Name = "Support bot", PublishedVersionId = Guid.NewGuid() };
    private static readonly AppDeploymentSpec Spec = new(2, 6, 65);
    private readonly KubernetesServingStub _api = new();

    public Task InitializeAsync() => _api.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public void The_deployment_service_and_autoscaler_load_strictly_with_the_app_runner_role_and_the_scaling_asked_for()
    {
        var options = new AppKubernetesOptions { Enabled = true, Image = "registry.example/aiplatform-web:1.2.3", Resources = new AppRunnerResources { CpuRequest = "500m", MemoryRequest = "1Gi", CpuLimit = null, MemoryLimit = "3Gi" } };
        var (deployment, service, autoscaler) = KubernetesAppDeployer.BuildManifests(App, Spec, options);
        var yaml = string.Join("\n---\n", KubernetesYaml.Serialize(deployment), KubernetesYaml.Serialize(service), KubernetesYaml.Serialize(autoscaler));
        var loaded = KubernetesYaml.LoadAllFromString(yaml, strict: true);

        var d = loaded.OfType<V1Deployment>().Single();
        d.Metadata.Name.ShouldBe("app-support-bot");
        d.Metadata.NamespaceProperty.ShouldBe("aiplatform");
        d.Metadata.Labels["app.kubernetes.io/managed-by"].ShouldBe("aiplatform");
        d.Metadata.Annotations["aiplatform.io/app-id"].ShouldBe(App.Id.ToString());
        d.Spec.Replicas.ShouldBe(2);
        d.Spec.Selector.MatchLabels.ShouldBe(new Dictionary<string, string> { ["aiplatform.io/app"] = "support-bot" });
        var container = d.Spec.Template.Spec.Containers.Single();
        container.Image.ShouldBe("registry.example/aiplatform-web:1.2.3");
        container.Env.Single(e => e.Name == "Platform__Role").Value.ShouldBe("AppRunner");
        container.Env.Single(e => e.Name == "Database__MigrateOnStartup").Value.ShouldBe("false", "only the migration Job migrates");
        container.EnvFrom.Select(e => e.ConfigMapRef?.Name ?? e.SecretRef?.Name).ShouldBe(["aiplatform-config", "aiplatform-secrets"]);
        container.Resources.Requests["cpu"].ToString().ShouldBe("500m");
        container.Resources.Limits.ShouldNotContainKey("cpu");
        container.Resources.Limits["memory"].ToString().ShouldBe("3Gi");
        container.ReadinessProbe.HttpGet.Path.ShouldBe("/health/ready");
        container.SecurityContext.ReadOnlyRootFilesystem.ShouldBe(true);
        d.Spec.Template.Spec.ServiceAccountName.ShouldBe("aiplatform-app-runner");
        d.Spec.Template.Spec.AutomountServiceAccountToken.ShouldBe(false);
        d.Spec.Template.Metadata.Annotations["aiplatform.io/published-version"].ShouldBe(App.PublishedVersionId.ToString());

        var s = loaded.OfType<V1Service>().Single();
        s.Metadata.Name.ShouldBe("app-support-bot");
        s.Spec.Selector.ShouldBe(d.Spec.Selector.MatchLabels);
        s.Spec.Ports.Single().Port.ShouldBe(80);

        var h = loaded.OfType<V2HorizontalPodAutoscaler>().Single();
        h.ApiVersion.ShouldBe("autoscaling/v2");
        h.Spec.ScaleTargetRef.Kind.ShouldBe("Deployment");
        h.Spec.ScaleTargetRef.Name.ShouldBe("app-support-bot");
        h.Spec.MinReplicas.ShouldBe(2);
        h.Spec.MaxReplicas.ShouldBe(6);
        var metric = h.Spec.Metrics.Single();
        metric.Resource.Name.ShouldBe("cpu");
        metric.Resource.Target.AverageUtilization.ShouldBe(65);
    }

    [Fact]
    public void A_long_slug_still_gives_a_dns_label()
    {
        var name = KubernetesAppDeployer.Name(new string('a', 61) + "-b");

        name.Length.ShouldBeLessThanOrEqualTo(63);
        name.ShouldStartWith("app-");
        name.ShouldNotEndWith("-");
    }

    [Fact]
    public async Task Apply_creates_then_replaces_reports_ready_replicas_and_remove_takes_all_three_away()
    {
        var deployer = Deployer();

        await deployer.ApplyAsync(App, Spec, default);
        _api.Objects.ShouldBe(["deployments/app-support-bot", "services/app-support-bot", "horizontalpodautoscalers/app-support-bot"], ignoreOrder: true);
        (await deployer.GetStateAsync("app-support-bot", default))!.ReadyReplicas.ShouldBe(0);

        _api.SetReadyReplicas("app-support-bot", 2);
        var state = await deployer.GetStateAsync("app-support-bot", default);
        state.ShouldBe(new AppDeploymentState(2, 2));

        await deployer.ApplyAsync(App, Spec with { MaxReplicas = 9 }, default);
        _api.Calls.ShouldContain("update deployments/app-support-bot");
        _api.Calls.ShouldContain("update horizontalpodautoscalers/app-support-bot");
        _api.Object("horizontalpodautoscalers/app-support-bot")["spec"]!["maxReplicas"]!.GetValue<int>().ShouldBe(9);

        await deployer.RemoveAsync("app-support-bot", default);
        _api.Objects.ShouldBeEmpty();
        (await deployer.GetStateAsync("app-support-bot", default)).ShouldBeNull();
        await deployer.RemoveAsync("app-support-bot", default); // gone already: no error
    }

    [Fact]
    public async Task A_create_refused_by_rbac_names_the_permission_and_the_role_and_creates_nothing()
    {
        _api.Fail("create deployments", 403);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(App, Spec, default));

        failure.Message.ShouldStartWith("The platform is not allowed to create or update the Deployment aiplatform/app-support-bot: permission denied (403 Forbidden).", Case.Sensitive);
        failure.Message.ShouldContain("cannot create resource \"deployments\" in API group \"apps\"", Case.Sensitive);
        failure.Message.ShouldContain("the Role aiplatform-app-deployer", Case.Sensitive);
        failure.Message.ShouldNotContain("{\"", Case.Sensitive, "a user reads a sentence, not the raw Status JSON");
        _api.Objects.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_autoscaler_the_server_fails_to_create_takes_the_new_deployment_and_service_away_again()
    {
        _api.Fail("create horizontalpodautoscalers", 500);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(App, Spec, default));

        failure.Message.ShouldStartWith("The Kubernetes API server failed to create or update the HorizontalPodAutoscaler aiplatform/app-support-bot (500 InternalError).", Case.Sensitive);
        failure.Message.ShouldContain("etcdserver: request timed out", Case.Sensitive);
        failure.Message.ShouldContain("What was created just before was removed again.", Case.Sensitive);
        _api.Objects.ShouldBeEmpty("a runner without its autoscaler and Service, created just now, would run unused");
    }

    [Fact]
    public async Task A_conflicting_change_surfaces_as_a_409_sentence_and_keeps_the_runner_that_served_before()
    {
        await Deployer().ApplyAsync(App, Spec, default);
        _api.Fail("update services", 409);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(App, Spec, default));

        failure.Message.ShouldStartWith("Could not create or update the Service aiplatform/app-support-bot: it already exists or was changed meanwhile (409 AlreadyExists).", Case.Sensitive);
        _api.Objects.ShouldContain("deployments/app-support-bot", "it existed and served before: a failed update does not take it away");
    }

    [Fact]
    public async Task A_remove_refused_names_the_object_and_a_dropped_connection_says_the_server_was_not_reached()
    {
        await Deployer().ApplyAsync(App, Spec, default);
        _api.Fail("delete deployments", 403);

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().RemoveAsync("app-support-bot", default));
        refused.Message.ShouldStartWith("The platform is not allowed to delete the Deployment aiplatform/app-support-bot: permission denied (403 Forbidden).", Case.Sensitive);

        _api.Fail("get deployments", 0);
        var dropped = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().GetStateAsync("app-support-bot", default));
        dropped.Message.ShouldStartWith("Could not reach the Kubernetes API server to read the Deployment aiplatform/app-support-bot", Case.Sensitive);
    }

    [Theory]
    [InlineData("Namespace", "Bad_Namespace", "Apps:Kubernetes:Namespace must be a DNS label")]
    [InlineData("MaxReplicas", "0", "Apps:Kubernetes:MaxReplicas must be between MinReplicas and 100")]
    [InlineData("TargetCpuPercent", "5", "Apps:Kubernetes:TargetCpuPercent must be between 10 and 100")]
    [InlineData("Resources:MemoryLimit", "lots", "Apps:Kubernetes:Resources:MemoryLimit must be a Kubernetes quantity")]
    public void Wrong_settings_stop_the_host_at_start_naming_the_setting(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Apps:Kubernetes:Enabled"] = "true", [$"Apps:Kubernetes:{key}"] = value })
            .Build();
        var options = configuration.GetSection(AppKubernetesOptions.Section).Get<AppKubernetesOptions>()!;

        Should.Throw<InvalidOperationException>(options.Validate).Message.ShouldStartWith(expected, Case.Sensitive);
        new AppKubernetesOptions().Validate(); // off: nothing to check
    }

    private KubernetesAppDeployer Deployer() => new(
        new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Url }),
        new AppKubernetesOptions { Enabled = true },
        NullLogger<KubernetesAppDeployer>.Instance);
}
