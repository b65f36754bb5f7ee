using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Serving;
using AiPlatform.Infrastructure.Serving;
using AiPlatform.Web.Api.Oip;
using AiPlatform.Web.Features.Serving;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>
/// Endpoints on the Triton runtime: the platform writes the model repository and applies the manifests through a
/// local stub of the Kubernetes API (no cluster runs here), follows readiness over OIP v2 and forwards <c>/v2</c>
/// calls. Triton itself cannot run here either; its place is taken by a small OIP v2 server that serves the model
/// repository the platform wrote, with the real ONNX Runtime.
/// </summary>
public sealed class TritonApiTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _kubernetes = new();
    private WebApplication _api = default!;
    private WebApplication _triton = default!;
    private TritonFactory _factory = default!;
    private HttpClient _admin = default!;

    public async Task InitializeAsync()
    {
        _api = await StartKubernetesStubAsync();
        var data = Path.Combine(Path.GetTempPath(), "aip-web-" + Guid.NewGuid().ToString("N"));
        _triton = await StartTritonStandInAsync(Path.Combine(data, "objects"));
        _factory = new TritonFactory(data, _api.Urls.First(), _triton.Urls.First());
        _admin = _factory.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
        await _api.DisposeAsync();
        await _triton.DisposeAsync();
    }

    [Fact]
    public async Task A_triton_endpoint_is_applied_to_kubernetes_becomes_ready_and_receives_the_forwarded_calls()
    {
        var model = JsonDocument.Parse(await (await _admin.PostAsJsonAsync("/api/v1/models", new { name = "price" })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        var upload = await _admin.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent(TinyOnnxModel.Regression(2)));
        upload.StatusCode.ShouldBe(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());

        var deploy = await _admin.PostAsJsonAsync("/api/v1/endpoints", new { name = "price-gpu", modelId = model, target = "1", runtime = "Triton", maxBatchSize = 8, replicas = 2 });
        deploy.StatusCode.ShouldBe(HttpStatusCode.Created, await deploy.Content.ReadAsStringAsync());
        var endpoint = JsonDocument.Parse(await deploy.Content.ReadAsStringAsync()).RootElement.GetProperty("endpoint");
        endpoint.GetProperty("status").GetString().ShouldBe("Deploying");
        _kubernetes.ShouldContain("create deployments/triton-price-gpu replicas=2 gpu=1");
        _kubernetes.ShouldContain("create services/triton-price-gpu");
        var config = await File.ReadAllTextAsync(Path.Combine(_factory.DataDirectory, "objects", "serving", "price-gpu", "price-gpu", "config.pbtxt"));
        config.ShouldContain("max_batch_size: 8");
        config.ShouldContain("kind: KIND_GPU");
        (await _admin.PostAsync("/v2/models/price-gpu/infer", Row(10))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);

        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<EndpointReconciler>().ReconcileAsync(default);
        }

        var ready = JsonDocument.Parse(await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint.GetProperty("id").GetGuid()}")).RootElement.GetProperty("endpoint");
        ready.GetProperty("status").GetString().ShouldBe("Ready");
        var infer = await _admin.PostAsync("/v2/models/price-gpu/infer", Row(10));
        var body = await infer.Content.ReadAsStringAsync();
        infer.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        answer.GetProperty("model_version").GetString().ShouldBe("1");
        answer.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Score.output").GetProperty("data")[0].GetDouble().ShouldBe(21, 1.5);
        var bad = await _admin.PostAsync("/v2/models/price-gpu/infer", new StringContent("""{"inputs": [{"name": "nope", "shape": [1, 1], "datatype": "FP32", "data": [1]}]}""", Encoding.UTF8, "application/json"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!.ShouldContain("'nope'");
        var forwarded = JsonDocument.Parse(await _admin.GetStringAsync($"/api/v1/endpoints/{ready.GetProperty("id").GetGuid()}/metrics")).RootElement
            .GetProperty("summary").EnumerateArray().Single(v => v.GetProperty("version").GetInt32() == 1);
        forwarded.GetProperty("requests").GetInt64().ShouldBe(2, "both forwarded calls are counted");
        forwarded.GetProperty("errors").GetInt64().ShouldBe(1, "Triton's 400 counts as a failed call");

        (await _admin.DeleteAsync($"/api/v1/endpoints/{ready.GetProperty("id").GetGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        _kubernetes.ShouldContain("delete deployments/triton-price-gpu");
        _kubernetes.ShouldContain("delete services/triton-price-gpu");
    }

    private static StringContent Row(float x) => new($$"""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [{{x}}]}]}""", Encoding.UTF8, "application/json");

    /// <summary>Deployments and Services of apps/v1 and v1: replace answers 404 (nothing yet), create and delete are recorded.</summary>
    private async Task<WebApplication> StartKubernetesStubAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPut("/apis/apps/v1/namespaces/{ns}/deployments/{name}", () => Results.Json(new { kind = "Status", apiVersion = "v1", status = "Failure", code = 404 }, statusCode: 404));
        app.MapGet("/api/v1/namespaces/{ns}/services/{name}", () => Results.Json(new { kind = "Status", apiVersion = "v1", status = "Failure", code = 404 }, statusCode: 404));
        app.MapPost("/apis/apps/v1/namespaces/{ns}/deployments", async (HttpContext http) =>
        {
            var body = await JsonDocument.ParseAsync(http.Request.Body);
            var spec = body.RootElement.GetProperty("spec");
            var gpu = spec.GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("resources").GetProperty("limits").GetProperty("nvidia.com/gpu").GetString();
            _kubernetes.Enqueue($"create deployments/{body.RootElement.GetProperty("metadata").GetProperty("name").GetString()} replicas={spec.GetProperty("replicas").GetInt32()} gpu={gpu}");
            return Results.Text(body.RootElement.GetRawText(), "application/json", statusCode: 201);
        });
        app.MapPost("/api/v1/namespaces/{ns}/services", async (HttpContext http) =>
        {
            var body = await JsonDocument.ParseAsync(http.Request.Body);
            _kubernetes.Enqueue("create services/" + body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
            return Results.Text(body.RootElement.GetRawText(), "application/json", statusCode: 201);
        });
        app.MapDelete("/apis/apps/v1/namespaces/{ns}/deployments/{name}", (string name) => { _kubernetes.Enqueue("delete deployments/" + name); return Results.Json(new { kind = "Status", apiVersion = "v1", status = "Success" }); });
        app.MapDelete("/api/v1/namespaces/{ns}/services/{name}", (string name) => { _kubernetes.Enqueue("delete services/" + name); return Results.Json(new { kind = "Service", apiVersion = "v1", metadata = new { name } }); });
        await app.StartAsync();
        return app;
    }

    /// <summary>Serves the model repository the platform wrote (<c>{model}/{version}/model.onnx</c>) over OIP v2 with ONNX Runtime.</summary>
    private static async Task<WebApplication> StartTritonStandInAsync(string objects)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var runtime = new OnnxRuntimeHost(new ServingMetrics(new TestMeterFactory(), TimeProvider.System), TimeProvider.System, NullLogger<OnnxRuntimeHost>.Instance);
        string ModelFile(string model, int version) => Path.Combine(objects, "serving", model, model, version.ToString(System.Globalization.CultureInfo.InvariantCulture), "model.onnx");
        app.MapGet("/v2/health/ready", () => Results.Ok());
        app.MapGet("/v2/models/{model}/versions/{version:int}/ready", (string model, int version) =>
            File.Exists(ModelFile(model, version)) && File.Exists(Path.Combine(objects, "serving", model, model, "config.pbtxt")) ? Results.Ok() : Results.BadRequest());
        app.MapPost("/v2/models/{model}/versions/{version:int}/infer", async (string model, int version, HttpContext http) =>
        {
            var key = new ServedModel(model, version);
            if (!runtime.IsLoaded(key))
            {
                await runtime.LoadAsync(key, ModelFile(model, version), new RuntimeSettings(0, 0, TimeSpan.Zero), default);
            }

            try
            {
                using var doc = await JsonDocument.ParseAsync(http.Request.Body);
                var request = OipJson.ReadRequest(doc.RootElement);
                var outputs = await runtime.InferAsync(key, request.Inputs, request.Outputs, default);
                using var buffer = new MemoryStream();
                await using (var writer = new Utf8JsonWriter(buffer))
                {
                    OipJson.WriteResult(writer, new InferenceResult(model, version.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Id, outputs));
                }

                return Results.Bytes(buffer.ToArray(), "application/json");
            }
            catch (InferenceInputException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: 400);
            }
        });
        await app.StartAsync();
        return app;
    }

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    private sealed class TritonFactory(string data, string kubernetes, string triton) : PlatformWebFactoryBase(data)
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Serving:Kubernetes:Enabled", "true");
            builder.UseSetting("Serving:Kubernetes:Host", kubernetes);
            builder.UseSetting("Serving:Kubernetes:ServiceUrlTemplate", triton);
        }
    }
}
