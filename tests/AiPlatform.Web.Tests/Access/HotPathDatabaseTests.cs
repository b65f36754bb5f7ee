using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// No database on the hot path: once warm, authenticated requests by token, Basic token and Basic password, and a one-row
/// inference on an owned endpoint and on one readable only through a grant, run no database command at all. Commands
/// are counted while a request is being served (background work such as the stamp poller is not a request's cost).
/// </summary>
public sealed class HotPathDatabaseTests : IAsyncLifetime
{
    private readonly CountingFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
    }

    [Fact]
    public async Task Warm_authenticated_requests_and_inference_run_no_database_command()
    {
        var admin = _factory.CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/v1/users", new { userName = "bob", password = "Passw0rd-bob", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var bobPassword = _factory.CreateClientAs("bob", "Passw0rd-bob");
        var bobId = (await bobPassword.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;
        var bobToken = await MintTokenAsync(bobPassword);
        var adminToken = await MintTokenAsync(admin);
        var endpoint = await DeployAsync(admin, "price");
        (await admin.PostAsJsonAsync($"/api/v1/endpoints/{endpoint}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("GET /v2 by token", () => Bearer(adminToken).GetAsync("/v2")),
            ("GET /v2 by Basic token", () => _factory.CreateClientAs("admin", adminToken).GetAsync("/v2")),
            ("GET /v2 by Basic password", () => _factory.CreateAdminClient().GetAsync("/v2")),
            ("infer on an owned endpoint by token", () => Bearer(adminToken).PostAsync("/v2/models/price/infer", OneRow())),
            ("infer through a grant by token", () => Bearer(bobToken).PostAsync("/v2/models/price/infer", OneRow())),
            ("infer through a grant by Basic password", () => _factory.CreateClientAs("bob", "Passw0rd-bob").PostAsync("/v2/models/price/infer", OneRow())),
        };
        foreach (var (name, call) in calls)
        {
            for (var i = 0; i < 2; i++)
            {
                var response = await call();
                response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{name}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        _factory.Recorder.Take();
        foreach (var (name, call) in calls)
        {
            for (var i = 0; i < 10; i++)
            {
                (await call()).StatusCode.ShouldBe(HttpStatusCode.OK, name);
            }

            var commands = _factory.Recorder.Take();
            commands.ShouldBeEmpty($"{name} ran database commands:\n{string.Join("\n", commands)}");
        }

        // A wrong password is checked (and counted) in the database, but must not empty everybody's cache.
        (await _factory.CreateClientAs("bob", "wrong-password").GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        _factory.Recorder.Take().ShouldNotBeEmpty("a wrong password is checked against the database");
        (await Bearer(bobToken).PostAsync("/v2/models/price/infer", OneRow())).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _factory.CreateClientAs("bob", "Passw0rd-bob").GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var afterWrongPassword = _factory.Recorder.Take();
        afterWrongPassword.ShouldBeEmpty($"a wrong password emptied the access cache:\n{string.Join("\n", afterWrongPassword)}");
    }

    [Fact]
    public async Task A_warm_published_app_run_reads_at_most_its_app_and_writes_nothing_while_it_is_served()
    {
        var admin = _factory.CreateAdminClient();
        var token = await MintTokenAsync(admin);
        await DeployAsync(admin, "scorer");
        var app = await Apps.AppApi.CreateAsync(admin, "hot-app");
        var graph = System.Text.Json.Nodes.JsonNode.Parse("""
            {"nodes": [
              {"id": "start", "type": "start", "config": {"fields": []}},
              {"id": "inf", "type": "inference", "x": 300, "config": {"endpoint": "scorer", "inputs": {"x": 2}}},
              {"id": "end", "type": "end", "x": 600, "config": {"outputs": [{"name": "version", "value": "{{inf.version}}"}]}}],
             "edges": [{"source": "start", "target": "inf"}, {"source": "inf", "target": "end"}]}
            """)!.AsObject();
        await Apps.AppApi.PublishAsync(admin, app, graph);
        async Task RunAsync()
        {
            var response = await Bearer(token).PostAsJsonAsync("/api/v1/apps/hot-app/run", new { inputs = new { } });
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            text.ShouldContain("\"Succeeded\"");
        }

        await RunAsync();
        await RunAsync();
        _factory.Recorder.Take();
        for (var i = 0; i < 10; i++)
        {
            await RunAsync();
        }

        // The run record and the trace are written by background writers, not while the request is served; the app found
        // by its address is read again every 2 s (EfAppStore.SlugLifetime), which a slow machine may reach in the loop.
        var commands = _factory.Recorder.Take().Where(c => !(c.Contains("SELECT", StringComparison.OrdinalIgnoreCase) && c.Contains("FROM \"apps\"", StringComparison.Ordinal))).ToList();
        commands.ShouldBeEmpty($"a published app run ran database commands:\n{string.Join("\n", commands)}");
    }

    private HttpClient Bearer(string token)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent OneRow() => new("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [2]}]}""", Encoding.UTF8, "application/json");

    private static async Task<string> MintTokenAsync(HttpClient owner)
    {
        var created = await owner.PostAsJsonAsync("/api/v1/me/tokens", new { name = "bench", scope = "ReadWrite", expiresInDays = 7 }, JsonDefaults.Options);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!.Value;
    }

    private static async Task<Guid> DeployAsync(HttpClient admin, string name)
    {
        var model = await admin.PostAsJsonAsync("/api/v1/models", new { name = name + "-model" });
        model.StatusCode.ShouldBe(HttpStatusCode.Created, await model.Content.ReadAsStringAsync());
        var modelId = JsonDocument.Parse(await model.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/models/{modelId}/versions/upload?fileName=model.onnx") { Content = new ByteArrayContent(TinyOnnxModel.Regression(2)) };
        (await admin.SendAsync(upload)).EnsureSuccessStatusCode();
        var deploy = await admin.PostAsJsonAsync("/api/v1/endpoints", new { name, modelId, target = "1" });
        var text = await deploy.Content.ReadAsStringAsync();
        deploy.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        var endpoint = JsonDocument.Parse(text).RootElement.GetProperty("endpoint");
        endpoint.GetProperty("status").GetString().ShouldBe("Ready", text);
        return endpoint.GetProperty("id").GetGuid();
    }

    private sealed class CountingFactory : PlatformWebFactoryBase
    {
        public RequestCommandRecorder Recorder { get; } = new();

        protected override void Configure(IWebHostBuilder builder) => Recorder.AttachTo(builder);
    }
}
