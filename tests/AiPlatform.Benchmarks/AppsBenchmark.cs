using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Benchmarks;

/// <summary>
/// Issue 18's two goals for the app runner.
/// <c>-- apps-overhead [runs]</c>: the engine in process (no HTTP, no run record) on a workflow start → N template
/// nodes → end, for N = 0, 10 and 50; each template passes the previous node's text on (<c>{{ x }}</c>). The three
/// graphs run interleaved in rounds after a warm-up, <c>runs</c> (default 300) times each per round, 5 rounds; per-node
/// overhead at p50 = (p50(N) − p50(0)) / N (goal ≤ 1 ms).
/// <c>-- apps-inference [seconds]</c>: the platform in a second process (as <c>serving</c>), a LightGBM ONNX endpoint;
/// the record API (<c>POST /api/v1/endpoints/{name}/predict</c>, one record) against a published app whose only node
/// between start and end is an inference on the same endpoint (<c>POST /api/v1/apps/{slug}/run</c>), both over HTTP
/// with a personal access token at concurrency 32, same process, same run, alternating twice; ratio of the rates
/// (goal ≥ 0.8×). <c>-- apps-inference [seconds] [trees]</c>: a larger model (default 200 trees) shows how the ratio
/// moves as inference itself costs more.
/// </summary>
public static class AppsBenchmark
{
    public static async Task OverheadAsync(int runs)
    {
        var data = Path.Combine(Path.GetTempPath(), "aip-apps-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var services = await DatasetThroughput.BuildAsAdminAsync(data);
            App app;
            await using (var scope = services.CreateAsyncScope())
            {
                app = await scope.ServiceProvider.GetRequiredService<AppService>().CreateAsync(new AppInput("Overhead", "overhead", null, AppKind.Workflow), default);
            }

            var admin = services.GetRequiredService<DatasetThroughput.BenchCaller>().Identity!;
            int[] sizes = [0, 10, 50];
            var graphs = sizes.ToDictionary(n => n, Chain);
            foreach (var (n, graph) in graphs)
            {
                AppGraphValidator.Validate(graph, AppKind.Workflow).Count.ShouldBeZero($"N = {n}");
            }

            var latencies = sizes.ToDictionary(n => n, _ => new List<double>());
            for (var round = -1; round < 5; round++)
            {
                foreach (var n in sizes)
                {
                    for (var i = 0; i < (round < 0 ? Math.Max(50, runs / 3) : runs); i++)
                    {
                        await using var scope = services.CreateAsyncScope();
                        var engine = scope.ServiceProvider.GetRequiredService<IAppEngine>();
                        var request = new AppRunRequest(app, graphs[n], null, new JsonObject { ["name"] = "Ada" }, admin, AppRunSources.Draft) { RunId = Guid.CreateVersion7() };
                        var start = Stopwatch.GetTimestamp();
                        var result = await engine.RunAsync(request, null, default);
                        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        if (result.Status != AppRunStatus.Succeeded || result.Outputs["text"]?.GetValue<string>() != "Ada")
                        {
                            throw new InvalidOperationException($"N = {n}: {result.Status} {result.Error} {result.Outputs.ToJsonString()}");
                        }

                        if (round >= 0)
                        {
                            latencies[n].Add(elapsed);
                        }
                    }
                }
            }

            Console.WriteLine($"App runner overhead: engine in process, {runs} runs × 5 rounds per N after warm-up, {Environment.ProcessorCount} cores.");
            Console.WriteLine("N      runs    p50 ms    p95 ms   mean ms");
            var p50 = new Dictionary<int, double>();
            foreach (var n in sizes)
            {
                var sorted = latencies[n].Order().ToArray();
                p50[n] = sorted[sorted.Length / 2];
                Console.WriteLine($"{n,-4}{sorted.Length,7} {p50[n],9:0.000} {sorted[(int)(sorted.Length * 0.95)],9:0.000} {sorted.Average(),9:0.000}");
            }

            foreach (var n in sizes.Where(n => n > 0))
            {
                Console.WriteLine($"per-node overhead at p50, N = {n}: {(p50[n] - p50[0]) / n:0.000} ms (goal ≤ 1 ms)");
            }
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    /// <summary>start (field name) → t1 → … → tN (each <c>{{ x }}</c> with x = the previous text) → end (text).</summary>
    private static AppGraph Chain(int n)
    {
        var nodes = new List<AppNode>
        {
            new() { Id = "start", Type = AppNodeTypes.Start, Config = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "name", ["type"] = "text", ["required"] = true }) } },
        };
        var edges = new List<AppEdge>();
        var previous = "start";
        var value = "{{start.name}}";
        for (var i = 1; i <= n; i++)
        {
            var id = $"t{i}";
            nodes.Add(new AppNode
            {
                Id = id, Type = AppNodeTypes.Template, X = i * 10,
                Config = new JsonObject { ["template"] = "{{ x }}", ["variables"] = new JsonArray(new JsonObject { ["name"] = "x", ["value"] = value }) },
            });
            edges.Add(new AppEdge { Source = previous, Target = id });
            previous = id;
            value = $"{{{{{id}.text}}}}";
        }

        nodes.Add(new AppNode { Id = "end", Type = AppNodeTypes.End, X = (n + 1) * 10, Config = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "text", ["value"] = value }) } });
        edges.Add(new AppEdge { Source = previous, Target = "end" });
        return new AppGraph { Nodes = nodes, Edges = edges };
    }

    public static async Task InferenceAsync(double seconds, int trees = 200)
    {
        var onnx = ServingBenchmark.TrainModel(trees);
        var data = Path.Combine(Path.GetTempPath(), "aip-apps-bench-" + Guid.NewGuid().ToString("N"));
        using var host = ServingBenchmark.StartHost(data);
        var baseUrl = await ServingBenchmark.ReadUrlAsync(host);
        try
        {
            var token = await TrackingBenchmark.CreateTokenAsync(baseUrl, ServingBenchmark.Password);
            using var setup = new HttpClient { BaseAddress = baseUrl };
            setup.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var model = JsonDocument.Parse(await (await setup.PostAsJsonAsync("/api/v1/models", new { name = "bench" })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
            (await setup.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent(onnx))).EnsureSuccessStatusCode();
            (await setup.PostAsJsonAsync("/api/v1/endpoints", new { name = "plain", modelId = model, target = "1" })).EnsureSuccessStatusCode();

            var record = new JsonObject();
            for (var i = 0; i < 10; i++)
            {
                record[$"f{i}"] = i / 10.0;
            }

            var app = JsonDocument.Parse(await Checked(await setup.PostAsJsonAsync("/api/v1/apps", new { name = "Scorer", slug = "scorer", kind = "Workflow" }))).RootElement.GetProperty("id").GetGuid();
            var graph = new JsonObject
            {
                ["nodes"] = new JsonArray(
                    new JsonObject { ["id"] = "start", ["type"] = "start", ["config"] = new JsonObject { ["fields"] = new JsonArray() } },
                    new JsonObject { ["id"] = "inf", ["type"] = "inference", ["x"] = 300, ["config"] = new JsonObject { ["endpoint"] = "plain", ["inputs"] = record.DeepClone() } },
                    new JsonObject { ["id"] = "end", ["type"] = "end", ["x"] = 600, ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "version", ["value"] = "{{inf.version}}" }) } }),
                ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "inf" }, new JsonObject { ["source"] = "inf", ["target"] = "end" }),
            };
            var draft = JsonDocument.Parse(await Checked(await setup.GetAsync($"/api/v1/apps/{app}/draft"))).RootElement.GetProperty("revision").GetInt32();
            await Checked(await setup.PutAsJsonAsync($"/api/v1/apps/{app}/draft", new { graph, revision = draft }));
            await Checked(await setup.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "bench" }));

            var direct = Encoding.UTF8.GetBytes(new JsonArray(record.DeepClone()).ToJsonString());
            var viaApp = Encoding.UTF8.GetBytes("{\"inputs\": {}}");
            var check = await Checked(await setup.PostAsync("/api/v1/apps/scorer/run", new ByteArrayContent(viaApp) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }));
            if (!check.Contains("\"Succeeded\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The app run did not succeed: " + check);
            }

            var bearer = new AuthenticationHeaderValue("Bearer", token);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = baseUrl };
            Console.WriteLine($"App inference benchmark: {seconds:0.#} s per cell after 1 s warm-up, concurrency 32, LightGBM {trees} trees × 10 features, {Environment.ProcessorCount} cores shared by server and load generator.");
            Console.WriteLine("target               conc     req/s    p50 ms   p99 ms  server CPU ms/req");
            Task Direct() => ServingBenchmark.Send(http, HttpMethod.Post, "/api/v1/endpoints/plain/predict", direct, bearer);
            Task ViaApp() => ServingBenchmark.Send(http, HttpMethod.Post, "/api/v1/apps/scorer/run", viaApp, bearer);
            ServingBenchmark.Report("record API", 1, await ServingBenchmark.LoadAsync(1, seconds, Direct, host));
            ServingBenchmark.Report("app (inference)", 1, await ServingBenchmark.LoadAsync(1, seconds, ViaApp, host));
            var recordRates = new List<double>();
            var appRates = new List<double>();
            for (var round = 0; round < 2; round++)
            {
                recordRates.Add(ServingBenchmark.Report("record API", 32, await ServingBenchmark.LoadAsync(32, seconds, Direct, host)).Rate);
                appRates.Add(ServingBenchmark.Report("app (inference)", 32, await ServingBenchmark.LoadAsync(32, seconds, ViaApp, host)).Rate);
            }

            Console.WriteLine();
            Console.WriteLine($"published app / record API at concurrency 32: {appRates.Average() / recordRates.Average():0.00}× (goal ≥ 0.8×; rounds {string.Join(", ", appRates.Zip(recordRates, (a, r) => (a / r).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))})");
        }
        finally
        {
            host.StandardInput.Close();
            if (!host.WaitForExit(10_000))
            {
                host.Kill(entireProcessTree: true);
            }

            await host.WaitForExitAsync();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task<string> Checked(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
    }

    private static void ShouldBeZero(this int value, string what)
    {
        if (value != 0)
        {
            throw new InvalidOperationException($"The benchmark graph is invalid ({what}).");
        }
    }
}
