using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>
/// What a user sees when Kubernetes refuses or fails a Triton deployment, when Triton never becomes ready, and when
/// readiness checks hang or lose their connection: a local stub of the Kubernetes API (no cluster runs here) refuses
/// on demand, and a stand-in answers Triton's health routes as each test needs.
/// </summary>
public sealed class TritonFailureTests : IAsyncLifetime
{
    private readonly KubernetesServingStub _api = new();
    private WebApplication _triton = default!;
    private volatile string _tritonMode = "unready";
    private volatile Func<Task>? _onReadinessCheck;
    private TritonFactory? _factory;

    public async Task InitializeAsync()
    {
        await _api.StartAsync();
        _triton = await TritonStandIn.StartAsync(() => _tritonMode, () => _onReadinessCheck is { } hook ? hook() : Task.CompletedTask);
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
            _factory.DeleteData();
        }

        await _api.DisposeAsync();
        await _triton.DisposeAsync();
    }

    [Theory]
    [InlineData("create deployments", 403, "The platform is not allowed to create or update the Deployment aiplatform-serving/triton-price: permission denied (403 Forbidden).")]
    [InlineData("create deployments", 500, "The Kubernetes API server failed to create or update the Deployment aiplatform-serving/triton-price (500 InternalError).")]
    [InlineData("create services", 403, "The platform is not allowed to create or update the Service aiplatform-serving/triton-price: permission denied (403 Forbidden).")]
    public async Task A_deployment_kubernetes_refuses_ends_failed_with_a_reason_a_user_can_act_on(string call, int code, string reason)
    {
        var admin = Start();
        _api.Fail(call, code);

        var endpoint = await DeployAsync(admin);

        endpoint.GetProperty("status").GetString().ShouldBe("Failed");
        var error = ErrorOf(endpoint);
        error.ShouldStartWith(reason, Case.Sensitive);
        error.ShouldContain(code == 403 ? "the Role aiplatform-serving-deployer" : "etcdserver: request timed out", Case.Sensitive);
        error.ShouldNotContain("{\"", Case.Sensitive, "the API server's Status JSON is turned into a sentence");
        _api.Objects.ShouldNotContain("deployments/triton-price", "nothing half-made keeps a GPU");
    }

    [Fact]
    public async Task A_model_copy_that_times_out_fails_the_endpoint_with_the_reason_instead_of_a_server_error()
    {
        var admin = Start(timeOutServingCopies: true);

        var endpoint = await DeployAsync(admin);

        endpoint.GetProperty("status").GetString().ShouldBe("Failed");
        ErrorOf(endpoint).ShouldContain("HttpClient.Timeout", Case.Sensitive, "the timeout is the reason a user reads");
        _api.Objects.ShouldBeEmpty("nothing was applied to Kubernetes");
    }

    [Fact]
    public async Task A_deployment_another_node_created_meanwhile_is_taken_over_and_the_endpoint_keeps_deploying()
    {
        var admin = Start();
        _api.Fail("create deployments", 409, times: 1);

        var endpoint = await DeployAsync(admin);

        endpoint.GetProperty("status").GetString().ShouldBe("Deploying", ErrorOf(endpoint));
        _api.Objects.ShouldBe(["deployments/triton-price", "services/triton-price"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_triton_that_never_becomes_ready_fails_after_the_readiness_timeout_saying_why_and_its_objects_are_removed()
    {
        var admin = Start(readinessTimeout: "00:00:02");
        _api.Pods.Add(KubernetesServingStub.Pod("triton-price-5c7b-x", "price", new V1PodStatus
        {
            Phase = "Pending",
            ContainerStatuses = [new V1ContainerStatus { Name = "triton", Image = "img", ImageID = string.Empty, Ready = false, RestartCount = 0, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image" } } }],
        }));
        var id = (await DeployAsync(admin)).GetProperty("id").GetGuid();
        _api.Objects.ShouldContain("deployments/triton-price");

        var endpoint = await ReconcileUntilAsync(admin, id, e => e.GetProperty("status").GetString() != "Deploying", "the endpoint to leave Deploying after its 2-second readiness timeout");

        endpoint.GetProperty("status").GetString().ShouldBe("Failed");
        var error = ErrorOf(endpoint);
        error.ShouldStartWith("Triton did not become ready within 2 seconds (Serving:Kubernetes:ReadinessTimeout): pod triton-price-5c7b-x: ImagePullBackOff (Back-off pulling image).", Case.Sensitive);
        error.ShouldContain("Its Deployment and Service were removed so that they hold no GPU", Case.Sensitive, error);
        _api.Calls.ShouldContain("delete deployments/triton-price");
        _api.Calls.ShouldContain("delete services/triton-price");
        _api.Objects.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_settings_change_made_while_a_stale_reconcile_checks_readiness_is_not_undone_by_the_readiness_timeout()
    {
        // A readiness timeout of 1 ms: every reconcile works from a snapshot that is past it.
        var admin = Start(readinessTimeout: "00:00:00.001");
        var id = (await DeployAsync(admin)).GetProperty("id").GetGuid();
        var changed = 0;
        _onReadinessCheck = async () =>
        {
            // While this node's reconcile checks readiness, a user changes a setting (on another node): a new apply.
            if (Interlocked.Exchange(ref changed, 1) == 0)
            {
                var settings = await admin.PutAsJsonAsync($"/api/v1/endpoints/{id}/settings", new { threads = 0, maxBatchSize = 0, maxQueueDelayMicroseconds = 0, replicas = 2, rollOnAliasMove = false, payloadLogPercent = 0 });
                settings.StatusCode.ShouldBe(HttpStatusCode.OK, await settings.Content.ReadAsStringAsync());
            }
        };

        await ReconcileAsync();

        changed.ShouldBe(1, "the readiness check ran");
        var endpoint = await EndpointAsync(admin, id);
        endpoint.GetProperty("status").GetString().ShouldBe("Deploying", $"the stale snapshot must not fail the endpoint just applied again: {ErrorOf(endpoint)}");
        endpoint.GetProperty("replicas").GetInt32().ShouldBe(2, "the user's change is kept");
        _api.Objects.ShouldContain("deployments/triton-price", "the Deployment just applied is not deleted");
        _api.Calls.ShouldNotContain("delete deployments/triton-price");
    }

    [Fact]
    public async Task Readiness_checks_that_hang_or_drop_are_survived_until_triton_is_ready()
    {
        var admin = Start();
        var id = (await DeployAsync(admin)).GetProperty("id").GetGuid();

        foreach (var mode in new[] { "hang", "drop" })
        {
            _tritonMode = mode;
            await ReconcileAsync();
            var waiting = await EndpointAsync(admin, id);
            waiting.GetProperty("status").GetString().ShouldBe("Deploying", $"a readiness check that {mode}s is not a failure: {ErrorOf(waiting)}");
        }

        _tritonMode = "ready";
        var ready = await ReconcileUntilAsync(admin, id, e => e.GetProperty("status").GetString() != "Deploying", "Triton to be reported ready");
        ready.GetProperty("status").GetString().ShouldBe("Ready", ErrorOf(ready));
    }

    private HttpClient Start(string? readinessTimeout = null, bool timeOutServingCopies = false)
    {
        _factory = new TritonFactory(_api.Url, _triton.Urls.First(), readinessTimeout, timeOutServingCopies);
        return _factory.CreateAdminClient();
    }

    private static async Task<JsonElement> DeployAsync(HttpClient admin)
    {
        var created = await admin.PostAsJsonAsync("/api/v1/models", new { name = "price" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var model = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        var upload = await admin.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent(TinyOnnxModel.Regression(2)));
        upload.StatusCode.ShouldBe(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
        var deploy = await admin.PostAsJsonAsync("/api/v1/endpoints", new { name = "price", modelId = model, target = "1", runtime = "Triton" });
        deploy.StatusCode.ShouldBe(HttpStatusCode.Created, await deploy.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await deploy.Content.ReadAsStringAsync()).RootElement.GetProperty("endpoint").Clone();
    }

    private static string ErrorOf(JsonElement endpoint) => endpoint.TryGetProperty("error", out var error) ? error.ToString() : string.Empty;

    private static async Task<JsonElement> EndpointAsync(HttpClient admin, Guid id) =>
        JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/endpoints/{id}")).RootElement.GetProperty("endpoint").Clone();

    private async Task ReconcileAsync()
    {
        await using var scope = _factory!.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EndpointReconciler>().ReconcileAsync(default);
    }

    /// <summary>Runs the reconciler until the endpoint satisfies <paramref name="done"/>; fails loudly after two minutes.</summary>
    private async Task<JsonElement> ReconcileUntilAsync(HttpClient admin, Guid id, Func<JsonElement, bool> done, string what)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            await ReconcileAsync();
            var endpoint = await EndpointAsync(admin, id);
            if (done(endpoint))
            {
                return endpoint;
            }

            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"Still waiting after 2 minutes for {what}; the endpoint is {endpoint}.");
            }

            await Task.Delay(200, CancellationToken.None);
        }
    }

    private sealed class TritonFactory(string kubernetes, string triton, string? readinessTimeout, bool timeOutServingCopies) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            if (timeOutServingCopies)
            {
                builder.ConfigureTestServices(services =>
                {
                    var original = services.Last(d => d.ServiceType == typeof(IObjectStore));
                    services.Remove(original);
                    services.AddSingleton<IObjectStore>(sp => new TimingOutServingCopies(original.ImplementationInstance as IObjectStore ?? (IObjectStore)original.ImplementationFactory!(sp)));
                });
            }

            builder.UseSetting("Serving:Kubernetes:Enabled", "true");
            builder.UseSetting("Serving:Kubernetes:Host", kubernetes);
            builder.UseSetting("Serving:Kubernetes:ServiceUrlTemplate", triton);
            if (readinessTimeout is not null)
            {
                builder.UseSetting("Serving:Kubernetes:ReadinessTimeout", readinessTimeout);
            }
        }
    }

    /// <summary>The object store, except that copying a model into <c>serving/</c> runs into the S3 client's timeout.</summary>
    private sealed class TimingOutServingCopies(IObjectStore inner) : IObjectStore
    {
        public string Provider => inner.Provider;

        public Task<StagedObject> StageAsync(Stream content, long? length, string? contentType, CancellationToken ct) => inner.StageAsync(content, length, contentType, ct);

        public Task<StagedObject> StageFileAsync(string path, string sha256, string? contentType, CancellationToken ct) => inner.StageFileAsync(path, sha256, contentType, ct);

        public Task<StoredObject> CommitAsync(StagedObject staged, ObjectKey key, CancellationToken ct) => key.Value.StartsWith("serving/", StringComparison.Ordinal)
            ? throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException())
            : inner.CommitAsync(staged, key, ct);

        public Task DiscardAsync(StagedObject staged, CancellationToken ct) => inner.DiscardAsync(staged, ct);

        public Task<Stream> OpenReadAsync(ObjectKey key, CancellationToken ct) => inner.OpenReadAsync(key, ct);

        public Task<StoredObject?> StatAsync(ObjectKey key, CancellationToken ct) => inner.StatAsync(key, ct);

        public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken ct) => inner.ListAsync(prefix, ct);

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken ct) => inner.DeleteAsync(key, ct);

        public string? GetLocalPath(ObjectKey key) => inner.GetLocalPath(key);

        public Task CheckHealthAsync(CancellationToken ct) => inner.CheckHealthAsync(ct);
    }
}
