using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// A local stand-in for the Kubernetes API server as the Triton deployer uses it (no cluster runs here): Deployments
/// and Services kept in memory (replace answers 404 for a missing one, create 409 for an existing one), the pods a test
/// sets, and failures on demand: a call ("create deployments", "update services", "list pods", ...) answered with a
/// status code and the API server's <c>Status</c> body, or its connection dropped.
/// </summary>
public sealed class KubernetesServingStub : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, JsonObject> _objects = new();
    private readonly ConcurrentDictionary<string, (int Code, int Times)> _faults = new();
    private WebApplication? _app;

    public string Url { get; private set; } = string.Empty;

    /// <summary>Every call as "verb kind/name" ("create deployments/triton-x", "list pods"), in order.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>What exists now, as "deployments/triton-x".</summary>
    public IReadOnlyCollection<string> Objects => [.. _objects.Keys];

    /// <summary>The pods "list pods" answers with.</summary>
    public List<V1Pod> Pods { get; } = [];

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="call"/> fail with <paramref name="code"/> (0: the
    /// connection drops). A 409 on create stores the object, as if another node had created it a moment before.
    /// </summary>
    public void Fail(string call, int code, int times = int.MaxValue) => _faults[call] = (code, times);

    /// <summary>Sets what the cluster reports of a stored Deployment (<c>status.readyReplicas</c>), as its controller would.</summary>
    public void SetReadyReplicas(string deployment, int ready) =>
        _objects[$"deployments/{deployment}"]["status"] = new JsonObject { ["readyReplicas"] = ready, ["replicas"] = ready };

    /// <summary>The stored object as the client sent it, e.g. "horizontalpodautoscalers/app-x".</summary>
    public JsonObject Object(string key) => _objects[key];

    public static V1Pod Pod(string name, string endpoint, V1PodStatus status) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["aiplatform.io/endpoint"] = endpoint } },
        Status = status,
    };

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Use(async (http, next) =>
        {
            var (verb, kind, name) = CallOf(http.Request);
            JsonObject? body = null;
            if (verb is "create" or "update")
            {
                body = JsonNode.Parse(await new StreamReader(http.Request.Body).ReadToEndAsync())!.AsObject();
                name = body["metadata"]!["name"]!.GetValue<string>();
            }

            Calls.Enqueue(name is null ? $"{verb} {kind}" : $"{verb} {kind}/{name}");
            if (TakeFault($"{verb} {kind}", out var code))
            {
                if (code == 0)
                {
                    http.Abort();
                    return;
                }

                if (code == 409 && verb == "create")
                {
                    _objects[$"{kind}/{name}"] = body!;
                }

                await StatusAsync(http, code, verb, kind, name ?? string.Empty);
                return;
            }

            http.Items["body"] = body;
            http.Items["name"] = name;
            await next();
        });
        _app.MapMethods("/{**path}", ["GET", "POST", "PUT", "DELETE"], (HttpContext http) => Answer(http));
        await _app.StartAsync();
        Url = _app.Urls.First();
    }

    private async Task Answer(HttpContext http)
    {
        var (verb, kind, _) = CallOf(http.Request);
        var name = http.Items["name"] as string;
        var body = http.Items["body"] as JsonObject;
        var key = $"{kind}/{name}";
        switch (verb)
        {
            case "list":
                await Json(http, 200, KubernetesJson.Serialize(new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta(), Items = [.. Pods] }));
                break;
            case "get" when _objects.TryGetValue(key, out var found):
                await Json(http, 200, found.ToJsonString());
                break;
            case "update" when _objects.ContainsKey(key):
            case "create" when !_objects.ContainsKey(key):
                body!["metadata"]!["resourceVersion"] = Guid.NewGuid().ToString("N")[..8];
                if (kind == "services")
                {
                    body["spec"]!["clusterIP"] = "10.0.0.7";
                }

                _objects[key] = body;
                await Json(http, verb == "create" ? 201 : 200, body.ToJsonString());
                break;
            case "create":
                await StatusAsync(http, 409, verb, kind, name!);
                break;
            case "delete" when _objects.TryRemove(key, out var deleted):
                // A deleted Service comes back as itself (the client reads a V1Service), other kinds as a Status.
                await Json(http, 200, kind == "services" ? deleted.ToJsonString() : JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", status = "Success" }));
                break;
            default:
                await StatusAsync(http, 404, verb, kind, name ?? string.Empty);
                break;
        }
    }

    private bool TakeFault(string call, out int code)
    {
        while (_faults.TryGetValue(call, out var fault) && fault.Times > 0)
        {
            if (_faults.TryUpdate(call, (fault.Code, fault.Times == int.MaxValue ? int.MaxValue : fault.Times - 1), fault))
            {
                code = fault.Code;
                return true;
            }
        }

        code = 0;
        return false;
    }

    /// <summary>("create", "deployments", null) for a POST; ("get", "services", "triton-x") for a read; ("list", "pods", null).</summary>
    private static (string Verb, string Kind, string? Name) CallOf(HttpRequest request)
    {
        var segments = request.Path.Value!.Trim('/').Split('/');
        var rest = segments[(Array.IndexOf(segments, "namespaces") + 2)..];
        var name = rest.Length > 1 ? rest[1] : null;
        var verb = request.Method switch { "POST" => "create", "PUT" => "update", "DELETE" => "delete", _ => name is null ? "list" : "get" };
        return (verb, rest[0], name);
    }

    /// <summary>The <c>Status</c> object the API server answers a refused call with, in its words.</summary>
    private static Task StatusAsync(HttpContext http, int code, string verb, string kind, string name)
    {
        var group = kind == "deployments" ? "apps" : string.Empty;
        var (reason, message) = code switch
        {
            403 => ("Forbidden", $"{kind}{(group.Length > 0 ? "." + group : string.Empty)} is forbidden: User \"system:serviceaccount:aiplatform:aiplatform-web\" cannot {verb} resource \"{kind}\" in API group \"{group}\" in the namespace \"aiplatform-serving\""),
            404 => ("NotFound", $"{kind}{(group.Length > 0 ? "." + group : string.Empty)} \"{name}\" not found"),
            409 => ("AlreadyExists", $"{kind}{(group.Length > 0 ? "." + group : string.Empty)} \"{name}\" already exists"),
            500 => ("InternalError", "Internal error occurred: etcdserver: request timed out"),
            _ => ("ServiceUnavailable", "the server is currently unable to handle the request"),
        };
        return Json(http, code, JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", metadata = new { }, status = "Failure", message, reason, details = new { name, kind }, code }));
    }

    private static async Task Json(HttpContext http, int code, string json)
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
