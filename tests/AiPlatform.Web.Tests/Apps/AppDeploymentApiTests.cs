using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>
/// /api/v1/apps/{id}/deployment on a platform whose Apps:Kubernetes points at a small in-memory Kubernetes API server:
/// rights (Manage), refusals (not published, invalid scaling, the cluster's refusal), audit, and the app's deletion
/// refused while deployed.
/// </summary>
public sealed class AppDeploymentApiTests : IAsyncLifetime
{
    private readonly FakeKubernetes _cluster = new();
    private ClusterFactory _factory = default!;
    private HttpClient _admin = default!;

    public async Task InitializeAsync()
    {
        await _cluster.StartAsync();
        _factory = new ClusterFactory(_cluster.Url);
        _admin = _factory.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task The_owner_deploys_a_published_app_reads_its_status_cannot_delete_it_while_deployed_and_removes_it()
    {
        var id = await AppApi.CreateAsync(_admin, "deploy-me");
        var before = await AppApi.JsonAsync(_admin.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.OK);
        before.GetProperty("configured").GetBoolean().ShouldBeTrue();
        before.GetProperty("published").GetBoolean().ShouldBeFalse();
        before.GetProperty("deployment").ValueKind.ShouldBe(JsonValueKind.Null);
        await AppApi.ProblemAsync(await _admin.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { }), HttpStatusCode.Conflict, "conflict", "Apps.Error.DeployNotPublished");
        _cluster.Objects.ShouldBeEmpty();

        await AppApi.PublishAsync(_admin, id, AppApi.Workflow("Hello {{ name }}"));
        await AppApi.ProblemAsync(await _admin.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { minReplicas = 3, maxReplicas = 2 }), HttpStatusCode.BadRequest, "validation", "Apps.Error.DeployInvalid");

        var deployed = await AppApi.JsonAsync(_admin.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { minReplicas = 2, maxReplicas = 4, targetCpuPercent = 60 }), HttpStatusCode.OK);
        var detail = deployed.GetProperty("deployment");
        detail.GetProperty("status").GetString().ShouldBe("Deploying");
        detail.GetProperty("resourceName").GetString().ShouldBe("app-deploy-me");
        detail.GetProperty("namespace").GetString().ShouldBe("aiplatform");
        _cluster.Objects.ShouldBe(["deployments/app-deploy-me", "services/app-deploy-me", "horizontalpodautoscalers/app-deploy-me"], ignoreOrder: true);
        _cluster.Get("horizontalpodautoscalers/app-deploy-me")["spec"]!["maxReplicas"]!.GetValue<int>().ShouldBe(4);

        _cluster.Get("deployments/app-deploy-me")["status"] = new JsonObject { ["readyReplicas"] = 2 };
        var ready = await AppApi.JsonAsync(_admin.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.OK);
        ready.GetProperty("deployment").GetProperty("status").GetString().ShouldBe("Ready");
        ready.GetProperty("deployment").GetProperty("readyReplicas").GetInt32().ShouldBe(2);

        await AppApi.ProblemAsync(await _admin.DeleteAsync($"/api/v1/apps/{id}"), HttpStatusCode.Conflict, "conflict", "Apps.Error.DeleteWhileDeployed");

        (await _admin.DeleteAsync($"/api/v1/apps/{id}/deployment")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        _cluster.Objects.ShouldBeEmpty();
        (await AppApi.JsonAsync(_admin.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.OK)).GetProperty("deployment").ValueKind.ShouldBe(JsonValueKind.Null);
        var audit = await AppApi.JsonAsync(_admin.GetAsync($"/api/v1/audit?objectId={id}&pageSize=50"), HttpStatusCode.OK);
        audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ShouldContain("app.deploy");
        audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ShouldContain("app.undeploy");
        (await _admin.DeleteAsync($"/api/v1/apps/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_cluster_refusal_surfaces_as_a_409_with_the_clusters_reason_and_the_deployment_shows_failed()
    {
        var id = await AppApi.CreateAsync(_admin, "refused-app");
        await AppApi.PublishAsync(_admin, id, AppApi.Workflow("Hi"));
        _cluster.Refuse = 403;

        var problem = await AppApi.ProblemAsync(await _admin.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { }), HttpStatusCode.Conflict, "conflict", "Apps.Error.DeployFailed");

        problem.GetProperty("detail").GetString()!.ShouldStartWith("The platform is not allowed to create or update the Deployment aiplatform/app-refused-app: permission denied (403 Forbidden).");
        problem.GetProperty("detail").GetString()!.ShouldContain("aiplatform-app-deployer");
        var failed = await AppApi.JsonAsync(_admin.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.OK);
        failed.GetProperty("deployment").GetProperty("status").GetString().ShouldBe("Failed");
        failed.GetProperty("deployment").GetProperty("message").GetString()!.ShouldContain("403 Forbidden");

        _cluster.Refuse = 0;
        (await _admin.DeleteAsync($"/api/v1/apps/{id}/deployment")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_deployment_the_cluster_will_not_remove_is_refused_then_forgotten_with_force_and_audited()
    {
        var id = await AppApi.CreateAsync(_admin, "stuck-app");
        await AppApi.PublishAsync(_admin, id, AppApi.Workflow("Hi"));
        (await _admin.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { })).StatusCode.ShouldBe(HttpStatusCode.OK);
        _cluster.Refuse = 403;
        try
        {
            await AppApi.ProblemAsync(await _admin.DeleteAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.Conflict, "conflict", "Apps.Error.UndeployFailed");
            await AppApi.ProblemAsync(await _admin.DeleteAsync($"/api/v1/apps/{id}"), HttpStatusCode.Conflict, "conflict", "Apps.Error.DeleteWhileDeployed");

            (await _admin.DeleteAsync($"/api/v1/apps/{id}/deployment?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            (await AppApi.JsonAsync(_admin.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.OK)).GetProperty("deployment").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
            var audit = await _factory.Services.GetRequiredService<AiPlatform.Core.Audit.IAuditStore>().QueryAsync(new AiPlatform.Core.Audit.AuditQuery(Action: "app.undeploy", ObjectId: id.ToString()), CancellationToken.None);
            audit.Items.ShouldContain(e => e.ObjectId == id.ToString() && e.Summary!.Contains("\"forced\":true") && e.Summary.Contains("403"));
            (await _admin.DeleteAsync($"/api/v1/apps/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        finally
        {
            _cluster.Refuse = 0;
        }
    }

    [Fact]
    public async Task A_read_or_write_grantee_can_neither_see_nor_change_the_deployment_and_an_outsider_gets_404()
    {
        var id = await AppApi.CreateAsync(_admin, "guarded-app");
        await AppApi.PublishAsync(_admin, id, AppApi.Workflow("Hi"));
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        var writer = await CreateUserAsync("writer", SystemRoles.AppBuilder);
        var outsider = await CreateUserAsync("outsider", SystemRoles.AppBuilder);
        await AppApi.GrantAsync(_admin, reader, id, "Read");
        await AppApi.GrantAsync(_admin, writer, id, "Write");

        foreach (var client in new[] { reader, writer })
        {
            await AppApi.ProblemAsync(await client.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.Forbidden, "forbidden", "Error.NeedsLevel.Manage");
            (await client.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await client.DeleteAsync($"/api/v1/apps/{id}/deployment")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        (await outsider.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        _cluster.Objects.ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_apps_kubernetes_deploying_is_refused_with_a_message_key_that_says_why()
    {
        await using var factory = new PlatformWebFactory();
        try
        {
            using var admin = factory.CreateAdminClient();
            var id = await AppApi.CreateAsync(admin, "nowhere");
            await AppApi.PublishAsync(admin, id, AppApi.Workflow("Hi"));

            var view = await AppApi.JsonAsync(admin.GetAsync($"/api/v1/apps/{id}/deployment"), HttpStatusCode.OK);
            view.GetProperty("configured").GetBoolean().ShouldBeFalse();
            view.GetProperty("published").GetBoolean().ShouldBeTrue();
            var problem = await AppApi.ProblemAsync(await admin.PutAsJsonAsync($"/api/v1/apps/{id}/deployment", new { }), HttpStatusCode.Conflict, "conflict", "Apps.Error.DeployNotConfigured");
            problem.GetProperty("detail").GetString()!.ShouldContain("Apps:Kubernetes:Enabled");
        }
        finally
        {
            factory.DeleteData();
        }
    }

    private async Task<HttpClient> CreateUserAsync(string userName, string role)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/users", new { userName, password = "Passw0rd-" + userName, mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(role) } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return _factory.CreateClientAs(userName, "Passw0rd-" + userName);
    }

    private sealed class ClusterFactory(string host) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Apps:Kubernetes:Enabled", "true");
            builder.UseSetting("Apps:Kubernetes:Host", host);
        }
    }

    /// <summary>
    /// The Kubernetes API as the app deployer uses it: objects kept in memory by "kind/name" (replace of a missing one
    /// 404, create 201), reads, deletes; <see cref="Refuse"/> answers every write with that code and a Status body.
    /// </summary>
    private sealed class FakeKubernetes : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, JsonObject> _objects = new();
        private WebApplication? _app;

        public string Url { get; private set; } = string.Empty;

        public int Refuse { get; set; }

        public IReadOnlyCollection<string> Objects => [.. _objects.Keys];

        public JsonObject Get(string key) => _objects[key];

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.MapMethods("/{**path}", ["GET", "POST", "PUT", "DELETE"], Answer);
            await _app.StartAsync();
            Url = _app.Urls.First();
        }

        private async Task Answer(HttpContext http)
        {
            var segments = http.Request.Path.Value!.Trim('/').Split('/');
            var rest = segments[(Array.IndexOf(segments, "namespaces") + 2)..];
            var kind = rest[0];
            JsonObject? body = http.Request.Method is "POST" or "PUT" ? JsonNode.Parse(await new StreamReader(http.Request.Body).ReadToEndAsync())!.AsObject() : null;
            var name = body?["metadata"]!["name"]!.GetValue<string>() ?? (rest.Length > 1 ? rest[1] : string.Empty);
            var key = $"{kind}/{name}";
            if (Refuse != 0 && http.Request.Method != "GET")
            {
                await StatusAsync(http, Refuse, "Forbidden", $"{kind} is forbidden: User \"system:serviceaccount:aiplatform:aiplatform-web\" cannot create resource \"{kind}\"");
                return;
            }

            switch (http.Request.Method)
            {
                case "GET" when _objects.TryGetValue(key, out var found):
                    await JsonAsync(http, 200, found.ToJsonString());
                    return;
                case "PUT" when _objects.ContainsKey(key):
                case "POST" when !_objects.ContainsKey(key):
                    body!["metadata"]!["resourceVersion"] = "1";
                    _objects[key] = body;
                    await JsonAsync(http, http.Request.Method == "POST" ? 201 : 200, body.ToJsonString());
                    return;
                case "DELETE" when _objects.TryRemove(key, out var deleted):
                    await JsonAsync(http, 200, kind == "services" ? deleted.ToJsonString() : JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", status = "Success" }));
                    return;
                default:
                    await StatusAsync(http, 404, "NotFound", $"{kind} \"{name}\" not found");
                    return;
            }
        }

        private static Task StatusAsync(HttpContext http, int code, string reason, string message) =>
            JsonAsync(http, code, JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", metadata = new { }, status = "Failure", message, reason, code }));

        private static async Task JsonAsync(HttpContext http, int code, string json)
        {
            http.Response.StatusCode = code;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(json);
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
