using AiPlatform.Core.Serving;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Serving;
using AiPlatform.Infrastructure.Storage;
using AiPlatform.Infrastructure.Tests.Builders;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Serving;

/// <summary>
/// The Triton deployer against a local stub of the Kubernetes API server that refuses, fails or drops calls on demand,
/// and against a Triton stand-in whose health checks hang or lose their connection.
/// </summary>
public sealed class TritonDeployerTests : IAsyncLifetime
{
    private readonly KubernetesServingStub _api = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "aip-triton-" + Guid.NewGuid().ToString("N"));
    private FileSystemObjectStore _objects = default!;

    public async Task InitializeAsync()
    {
        await _api.StartAsync();
        _objects = new FileSystemObjectStore(_root);
        await using var model = new MemoryStream([1, 2, 3]);
        await _objects.PutAsync(ObjectKey.Parse("models/churn/3/model.onnx"), model, model.Length, "application/octet-stream", default);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_create_refused_by_rbac_names_the_permission_and_the_role_and_creates_nothing()
    {
        _api.Fail("create deployments", 403);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(Endpoint(), Models, default));

        failure.Message.ShouldStartWith("The platform is not allowed to create or update the Deployment aiplatform-serving/triton-churn: permission denied (403 Forbidden).", Case.Sensitive);
        failure.Message.ShouldContain("cannot create resource \"deployments\" in API group \"apps\"", Case.Sensitive);
        failure.Message.ShouldContain("the Role aiplatform-serving-deployer", Case.Sensitive);
        failure.Message.ShouldNotContain("{\"", Case.Sensitive, "a user reads a sentence, not the raw Status JSON");
        _api.Objects.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_service_the_server_fails_to_create_takes_the_deployment_created_before_it_away_again()
    {
        _api.Fail("create services", 500);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(Endpoint(), Models, default));

        failure.Message.ShouldStartWith("The Kubernetes API server failed to create or update the Service aiplatform-serving/triton-churn (500 InternalError).", Case.Sensitive);
        failure.Message.ShouldContain("etcdserver: request timed out", Case.Sensitive);
        failure.Message.ShouldContain("The Deployment created just before was removed so that it holds no GPU.", Case.Sensitive);
        _api.Calls.ShouldContain("delete deployments/triton-churn");
        _api.Objects.ShouldBeEmpty("a Deployment without its Service would hold a GPU and serve no one");
    }

    [Fact]
    public async Task A_service_refused_after_an_existing_deployment_was_replaced_takes_that_deployment_away_too()
    {
        await Deployer().ApplyAsync(Endpoint(), Models, default);
        _api.Objects.ShouldBe(["deployments/triton-churn", "services/triton-churn"], ignoreOrder: true);
        _api.Fail("update services", 403);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(Endpoint(), Models, default));

        failure.Message.ShouldStartWith("The platform is not allowed to create or update the Service aiplatform-serving/triton-churn: permission denied (403 Forbidden).", Case.Sensitive);
        failure.Message.ShouldContain("The Deployment aiplatform-serving/triton-churn, just updated, was removed so that it holds no GPU.", Case.Sensitive);
        _api.Calls.ShouldContain("update deployments/triton-churn");
        _api.Calls.ShouldContain("delete deployments/triton-churn");
        _api.Objects.ShouldNotContain("deployments/triton-churn", "the endpoint ends Failed, and nothing else would remove the replaced Deployment");
    }

    [Fact]
    public async Task A_deployment_another_node_created_meanwhile_409_is_replaced_with_this_one()
    {
        _api.Fail("create deployments", 409, times: 1);

        await Deployer().ApplyAsync(Endpoint(), Models, default);

        _api.Calls.Where(c => c.Contains("deployments/", StringComparison.Ordinal)).ShouldBe(["update deployments/triton-churn", "create deployments/triton-churn", "update deployments/triton-churn"]);
        _api.Objects.ShouldBe(["deployments/triton-churn", "services/triton-churn"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_broken_connection_to_the_api_server_is_explained()
    {
        _api.Fail("update deployments", 0);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Deployer().ApplyAsync(Endpoint(), Models, default));

        failure.Message.ShouldStartWith("Could not reach the Kubernetes API server to create or update the Deployment aiplatform-serving/triton-churn:", Case.Sensitive);
    }

    [Fact]
    public async Task Readiness_checks_that_hang_or_lose_their_connection_mean_not_ready_yet_rather_than_an_error()
    {
        var mode = "hang";
        await using var triton = await TritonStandIn.StartAsync(() => mode);
        var deployer = Deployer(triton.Urls.First());

        (await Within(deployer.IsReadyAsync(Endpoint(), default), "a hung health check to time out")).ShouldBeFalse();
        mode = "drop";
        (await Within(deployer.IsReadyAsync(Endpoint(), default), "a dropped health check")).ShouldBeFalse();
        mode = "ready";
        (await Within(deployer.IsReadyAsync(Endpoint(), default), "a healthy Triton")).ShouldBeTrue();
    }

    [Fact]
    public async Task The_pods_of_a_triton_that_is_not_ready_are_described_in_kubernetes_words_and_a_refused_read_describes_nothing()
    {
        _api.Pods.Add(KubernetesServingStub.Pod("triton-churn-7d9f-a", "churn", new V1PodStatus
        {
            Phase = "Pending",
            ContainerStatuses = [new V1ContainerStatus { Name = "triton", Image = "img", ImageID = string.Empty, Ready = false, RestartCount = 0, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image \"nvcr.io/nvidia/tritonserver:25.01-py3\"" } } }],
        }));
        _api.Pods.Add(KubernetesServingStub.Pod("triton-churn-7d9f-b", "churn", new V1PodStatus
        {
            Phase = "Pending",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu." }],
        }));

        var described = await Deployer().DescribePodsAsync(Endpoint(), default);

        described.ShouldBe("pod triton-churn-7d9f-a: ImagePullBackOff (Back-off pulling image \"nvcr.io/nvidia/tritonserver:25.01-py3\"); pod triton-churn-7d9f-b: Unschedulable (0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)");
        _api.Fail("list pods", 403);
        (await Deployer().DescribePodsAsync(Endpoint(), default)).ShouldBeNull();
    }

    private static readonly IReadOnlyList<TritonModel> Models = [new TritonModel(3, "models/churn/3/model.onnx", null)];

    private TritonDeployer Deployer(string triton = "http://127.0.0.1:9") => new(
        new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = _api.Url }),
        new TritonOptions { Enabled = true, ServiceUrlTemplate = triton },
        _objects,
        new OneClientFactory(),
        NullLogger<TritonDeployer>.Instance);

    private static ServingEndpoint Endpoint() => new()
    {
        Name = "churn",
        Target = "3",
        Version = 3,
        MaxBatchSize = 0,
        Replicas = 1,
        Runtime = ServingRuntimeKind.Triton,
    };

    private static async Task<T> Within<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Still waiting after 2 minutes for {what}.");
        }
    }

    /// <summary>The platform's named client, with a short timeout so that a hung Triton answers quickly.</summary>
    private sealed class OneClientFactory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new() { Timeout = TimeSpan.FromSeconds(1) };
    }
}
