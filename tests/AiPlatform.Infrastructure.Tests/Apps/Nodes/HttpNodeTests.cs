using System.Text;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Apps;
using AiPlatform.Infrastructure.Network;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>The HTTP request node against a real Kestrel server on 127.0.0.1, through the outbound host guard.</summary>
public sealed class HttpNodeTests(SqliteServicesFixture fixture) : IAsyncLifetime, IClassFixture<SqliteServicesFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private WebApplication _server = default!;
    private string _base = string.Empty;

    /// <summary>The operator allowed 127.0.0.1 (as for a service on the same machine), nothing else beyond the defaults.</summary>
    private readonly GuardedAppHttpClient _allowed = new(new OutboundHostGuard(new OutboundOptions { AllowedHosts = ["127.0.0.1"] }, ownAddresses: []));

    /// <summary>The default policy: loopback refused.</summary>
    private readonly GuardedAppHttpClient _default = new(new OutboundHostGuard(new OutboundOptions(), ownAddresses: []));

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/json", (HttpContext http) =>
        {
            http.Response.Headers["X-Echo"] = http.Request.Headers["X-Test"].ToString();
            http.Response.Headers["X-Auth"] = http.Request.Headers.Authorization.ToString();
            return Results.Text("""{"ok": true, "n": 3, "items": ["a", "b"]}""", "application/json");
        });
        _server.MapMethods("/echo", ["POST", "PUT", "PATCH", "DELETE"], async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            var answer = new JsonObject { ["method"] = http.Request.Method, ["contentType"] = http.Request.ContentType, ["body"] = body, ["query"] = http.Request.QueryString.Value };
            return Results.Text(answer.ToJsonString(), "application/json", statusCode: 201);
        });
        _server.MapGet("/raw/{**rest}", (HttpContext http) => Results.Text(http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget, "text/plain"));
        _server.MapGet("/big", () => Results.Text(new string('x', 1536 * 1024), "text/plain"));
        _server.MapGet("/slow", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            return Results.Text("late");
        });
        _server.MapGet("/redirect", () => Results.Redirect("/json"));
        _server.MapGet("/fail", () => Results.Text("broken", "text/plain", statusCode: 500));
        _server.MapGet("/latin", () => Results.Bytes(Encoding.Latin1.GetBytes("café"), "text/plain; charset=iso-8859-1"));
        await _server.StartAsync();
        _base = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        _allowed.Dispose();
        _default.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_get_with_templated_url_and_headers_returns_status_body_json_and_headers_and_hides_credentials_in_its_inputs()
    {
        var node = Node(AppNodeTypes.Http, new { method = "GET", url = _base + "/json?q={{start.q}}" });
        node.Config["headers"] = Json("""{"X-Test": "{{start.tag}}", "Authorization": "Bearer {{start.secret}}"}""");
        var context = new TestNodeRunContext(node, Json("""{"start": {"q": "hello", "tag": "t-42", "secret": "s3cr3t"}}"""));

        var outcome = await new HttpNode(_allowed).ExecuteAsync(context, None);

        outcome.Outputs["status"]!.GetValue<int>().ShouldBe(200);
        outcome.Outputs["json"]!["n"]!.GetValue<int>().ShouldBe(3);
        outcome.Outputs["json"]!["items"]![1]!.GetValue<string>().ShouldBe("b");
        outcome.Outputs["headers"]!["x-echo"]!.GetValue<string>().ShouldBe("t-42");
        outcome.Outputs["headers"]!["x-auth"]!.GetValue<string>().ShouldBe("Bearer s3cr3t", "the credential was sent");
        outcome.Outputs["truncated"]!.GetValue<bool>().ShouldBeFalse();
        outcome.Inputs!["url"]!.GetValue<string>().ShouldEndWith("/json?q=hello");
        outcome.Inputs!["headers"]!["Authorization"]!.GetValue<string>().ShouldBe("***");
        outcome.Inputs!.ToJsonString().ShouldNotContain("s3cr3t");
    }

    [Fact]
    public async Task A_secret_goes_only_into_headers_to_its_hosts_and_is_masked_in_the_inputs_and_the_echoed_answer()
    {
        var apps = fixture.Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Caller", "caller-" + Guid.NewGuid().ToString("N")[..6], null), None);
        var secrets = fixture.Get<AppSecretService>();
        await secrets.SetAsync(app.Id, "TICKETS_TOKEN", new AppSecretInput("tok-9f8e7d", ["127.0.0.1"]), None);
        await secrets.SetAsync(app.Id, "ELSEWHERE", new AppSecretInput("other-1234", [".example.com"]), None);
        var node = Node(AppNodeTypes.Http, new { method = "GET", url = _base + "/json" });
        node.Config["headers"] = Json("""{"Authorization": "Bearer {{secret.TICKETS_TOKEN}}", "X-Test": "{{ secret.TICKETS_TOKEN }}-{{start.tag}}"}""");
        var request = new AppRunRequest(app, new AppGraph { Nodes = [node] }, null, [], fixture.Admin, AppRunSources.Draft);
        var http = new HttpNode(_allowed, fixture.Get<AppSecretReader>());

        var outcome = await http.ExecuteAsync(new TestNodeRunContext(node, Json("""{"start": {"tag": "t1"}}"""), request), None);

        outcome.Outputs["status"]!.GetValue<int>().ShouldBe(200);
        // The server got the secret (it echoes both headers back); the run shows *** wherever it was.
        outcome.Outputs["headers"]!["x-auth"]!.GetValue<string>().ShouldBe("Bearer ***");
        outcome.Outputs["headers"]!["x-echo"]!.GetValue<string>().ShouldBe("***-t1");
        outcome.Inputs!["headers"]!["X-Test"]!.GetValue<string>().ShouldBe("***");
        (outcome.Inputs!.ToJsonString() + outcome.Outputs.ToJsonString()).ShouldNotContain("tok-9f8e7d");
        (await fixture.Get<IAppStore>().FindSecretAsync(app.Id, "TICKETS_TOKEN", None))!.ValueProtected.ShouldNotContain("tok-9f8e7d", Case.Sensitive, "stored encrypted");

        // A secret for other hosts, or one the app does not have, fails the node before anything is sent.
        node.Config["headers"] = Json("""{"Authorization": "Bearer {{secret.ELSEWHERE}}"}""");
        var elsewhere = await Should.ThrowAsync<ValidationException>(() => http.ExecuteAsync(new TestNodeRunContext(node, null, request), None));
        elsewhere.MessageKey.ShouldBe("Apps.Error.SecretHost");
        elsewhere.MessageArguments.Select(a => a.ToString()).ShouldBe(["n1", "ELSEWHERE", "127.0.0.1", ".example.com"]);
        node.Config["headers"] = Json("""{"Authorization": "Bearer {{secret.MISSING}}"}""");
        (await Should.ThrowAsync<ValidationException>(() => http.ExecuteAsync(new TestNodeRunContext(node, null, request), None))).MessageKey.ShouldBe("Apps.Error.SecretMissing");

        // Outside a header a secret is refused before any run.
        var leaky = new AppGraph
        {
            Nodes =
            [
                Node(AppNodeTypes.Start, new { fields = Array.Empty<object>() }, "start"),
                Node(AppNodeTypes.Http, new { method = "GET", url = _base + "/json?t={{secret.TICKETS_TOKEN}}" }, "h"),
                Node(AppNodeTypes.End, new { outputs = new[] { new { name = "s", value = "{{h.status}}" } } }, "end"),
            ],
            Edges = [new AppEdge { Source = "start", Target = "h" }, new AppEdge { Source = "h", Target = "end" }],
        };
        AppGraphValidator.Validate(leaky, AppKind.Workflow).ShouldContain(p => p.Key == "Apps.Error.SecretOutsideHeader" && p.NodeId == "h");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task A_body_template_is_sent_as_json_when_it_is_json_and_any_status_is_an_answer(string method)
    {
        var node = Node(AppNodeTypes.Http, new { method, url = _base + "/echo", body = """{"name": "{{start.name}}", "age": {{start.age}}}""" });
        var outcome = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(node, Json("""{"start": {"name": "Ada", "age": 36}}""")), None);

        outcome.Outputs["status"]!.GetValue<int>().ShouldBe(201);
        var echo = outcome.Outputs["json"]!;
        echo["method"]!.GetValue<string>().ShouldBe(method);
        echo["contentType"]!.GetValue<string>().ShouldStartWith("application/json");
        JsonNode.Parse(echo["body"]!.GetValue<string>())!["age"]!.GetValue<int>().ShouldBe(36);

        var failing = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { url = _base + "/fail" })), None);
        failing.Outputs["status"]!.GetValue<int>().ShouldBe(500);
        failing.Outputs["body"]!.GetValue<string>().ShouldBe("broken");
        failing.Outputs["json"].ShouldBeNull();
    }

    [Fact]
    public async Task Loopback_is_refused_by_the_default_policy_and_metadata_even_when_loopback_is_allowed()
    {
        var node = Node(AppNodeTypes.Http, new { url = _base + "/json" });
        var refused = await Should.ThrowAsync<HostNotAllowedException>(() => new HttpNode(_default).ExecuteAsync(new TestNodeRunContext(node), None));
        refused.MessageKey.ShouldBe("Error.HostNotAllowed");
        refused.MessageArguments.ShouldBe(["127.0.0.1"]);

        var metadata = Node(AppNodeTypes.Http, new { url = "http://169.254.169.254/latest/meta-data/" });
        (await Should.ThrowAsync<HostNotAllowedException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(metadata), None))).Host.ShouldBe("169.254.169.254");

        // A name that resolves to loopback is refused as its address is.
        var named = Node(AppNodeTypes.Http, new { url = "http://localhost:" + new Uri(_base).Port + "/json" });
        await Should.ThrowAsync<HostNotAllowedException>(() => new HttpNode(_default).ExecuteAsync(new TestNodeRunContext(named), None));
    }

    [Fact]
    public async Task Redirects_are_not_followed_big_bodies_are_capped_and_charsets_decoded()
    {
        var redirect = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { url = _base + "/redirect" })), None);
        redirect.Outputs["status"]!.GetValue<int>().ShouldBe(302);
        redirect.Outputs["headers"]!["location"]!.GetValue<string>().ShouldBe("/json");

        var big = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { url = _base + "/big" })), None);
        big.Outputs["truncated"]!.GetValue<bool>().ShouldBeTrue();
        big.Outputs["body"]!.GetValue<string>().Length.ShouldBe((int)HttpNode.MaxResponseBytes);

        var latin = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { url = _base + "/latin" })), None);
        latin.Outputs["body"]!.GetValue<string>().ShouldBe("café");
    }

    [Fact]
    public async Task The_engine_runs_a_workflow_whose_http_node_posts_the_start_inputs_through_the_platforms_client()
    {
        // The platform's own client (DI), whose allow-list here admits 127.0.0.0/8 like an operator's DataSources:AllowedHosts.
        var http = Node(AppNodeTypes.Http, new { method = "POST", url = _base + "/echo?who={{start.name}}", body = """{"greeting": "Hello {{start.name}}"}""", timeoutSeconds = 5 }, "call");
        var graph = Workflow(["name"], [http], new Dictionary<string, string> { ["status"] = "{{call.status}}", ["sent"] = "{{call.json.body}}", ["query"] = "{{call.json.query}}" });

        var result = await RunAsync(fixture.Get<IAppEngine>(), graph, Json("""{"name": "Ada"}"""), fixture.Admin);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["status"]!.GetValue<int>().ShouldBe(201);
        JsonNode.Parse(result.Outputs["sent"]!.GetValue<string>())!["greeting"]!.GetValue<string>().ShouldBe("Hello Ada");
        result.Outputs["query"]!.GetValue<string>().ShouldBe("?who=Ada");

        // A host the policy refuses fails the node with the guard's reason.
        var metadata = Workflow(["name"], [Node(AppNodeTypes.Http, new { method = "GET", url = "http://169.254.169.254/latest/meta-data/" }, "call")], new Dictionary<string, string> { ["status"] = "{{call.status}}" });
        var refused = await RunAsync(fixture.Get<IAppEngine>(), metadata, Json("""{"name": "Ada"}"""), fixture.Admin);
        refused.Status.ShouldBe(AppRunStatus.Failed);
        refused.ErrorNodeId.ShouldBe("call");
        refused.ErrorKey.ShouldBe("Error.HostNotAllowed");
    }

    [Fact]
    public async Task A_slow_server_times_out_and_bad_settings_are_refused_naming_the_node()
    {
        var slow = Node(AppNodeTypes.Http, new { url = _base + "/slow", timeoutSeconds = 1 });
        var started = System.Diagnostics.Stopwatch.StartNew();
        var timedOut = await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(slow), None));
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
        timedOut.MessageKey.ShouldBe("Apps.Error.HttpTimeout");
        timedOut.MessageArguments.ShouldBe(["n1", "127.0.0.1", 1]);

        (await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { url = "ftp://example.com/x" })), None))).MessageKey.ShouldBe("Apps.Error.HttpUrl");
        (await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { method = "TRACE", url = _base })), None))).MessageKey.ShouldBe("Apps.Error.NodeSettingValue");
        (await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { method = "GET" })), None))).MessageKey.ShouldBe("Apps.Error.NodeSettingMissing");
        var smuggled = Node(AppNodeTypes.Http, new { url = _base + "/json" });
        smuggled.Config["headers"] = Json("""{"X-Test": "{{start.v}}"}""");
        var injected = await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(smuggled, Json("""{"start": {"v": "a\r\nHost: evil"}}""")), None));
        injected.MessageKey.ShouldBe("Apps.Error.HttpHeader");
        var host = Node(AppNodeTypes.Http, new { url = _base + "/json" });
        host.Config["headers"] = Json("""{"Host": "example.com"}""");
        (await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(host), None))).MessageKey.ShouldBe("Apps.Error.HttpHeader");
        await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Http, new { url = "{{missing.url}}" })), None));
    }

    [Fact]
    public async Task Values_put_into_a_url_are_encoded_so_they_cannot_add_segments_a_query_or_change_the_host()
    {
        var node = Node(AppNodeTypes.Http, new { url = _base + "/raw/users/{{start.id}}?q={{start.q}}" });
        var context = new TestNodeRunContext(node, Json("""{"start": {"id": "../admin/keys?all=1#", "q": "a&role=admin"}}"""));

        var outcome = await new HttpNode(_allowed).ExecuteAsync(context, None);

        outcome.Outputs["status"]!.GetValue<int>().ShouldBe(200);
        outcome.Outputs["body"]!.GetValue<string>().ShouldBe("/raw/users/..%2Fadmin%2Fkeys%3Fall%3D1%23?q=a%26role%3Dadmin");

        // The host in the template's text stays the host: a value cannot add a user part and move the request elsewhere.
        var moved = Node(AppNodeTypes.Http, new { url = _base + "{{start.p}}" });
        var refused = await Should.ThrowAsync<ValidationException>(() => new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(moved, Json("""{"start": {"p": "@evil.example/"}}""")), None));
        refused.MessageKey.ShouldBeOneOf("Apps.Error.HttpUrl", "Apps.Error.HttpUrlChanged");

        // A URL that is one reference as a whole is the author's choice of a whole URL: used as it is.
        var whole = Node(AppNodeTypes.Http, new { url = "{{start.url}}" });
        var raw = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(whole, Json("{\"start\": {\"url\": \"" + _base + "/raw/a/b?x=1&y=2\"}}")), None);
        raw.Outputs["body"]!.GetValue<string>().ShouldBe("/raw/a/b?x=1&y=2");
    }

    [Fact]
    public async Task Values_put_into_a_json_body_are_json_escaped_so_they_cannot_add_keys()
    {
        var node = Node(AppNodeTypes.Http, new { method = "POST", url = _base + "/echo", body = """{"q": "{{start.q}}", "n": {{start.n}}, "m": {{start.m}}, "role": "user"}""" });
        var context = new TestNodeRunContext(node, Json("""{"start": {"q": "x\", \"role\": \"admin", "n": "5", "m": "1, \"role\": \"admin\""}}"""));

        var outcome = await new HttpNode(_allowed).ExecuteAsync(context, None);

        var sent = JsonNode.Parse(outcome.Outputs["json"]!["body"]!.GetValue<string>())!.AsObject();
        sent["q"]!.GetValue<string>().ShouldBe("x\", \"role\": \"admin");
        sent["n"]!.GetValue<double>().ShouldBe(5);
        sent["m"]!.GetValue<string>().ShouldBe("1, \"role\": \"admin\"");
        sent["role"]!.GetValue<string>().ShouldBe("user");
        sent.Count.ShouldBe(4);

        // A text body is sent as it is rendered.
        var text = Node(AppNodeTypes.Http, new { method = "POST", url = _base + "/echo", body = "hello {{start.q}}" });
        var plain = await new HttpNode(_allowed).ExecuteAsync(new TestNodeRunContext(text, Json("""{"start": {"q": "a\"b"}}""")), None);
        plain.Outputs["json"]!["body"]!.GetValue<string>().ShouldBe("hello a\"b");
    }
}
