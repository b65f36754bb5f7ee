using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace AiPlatform.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/AiPlatform.Benchmarks -- serving [seconds] [trees]</c>: the platform runs
/// in a second process (this program with <c>serving-host</c>, with the shipped logging defaults) on a loopback port;
/// this process is the load generator. Every path is first warmed up for 2 s; then each cell runs 1 s of warm-up and
/// <c>seconds</c> (default 3) of measurement,
/// at concurrency 1, 8 and 32. The <b>floor</b> is the anonymous <c>GET /health/live</c> of the same server: the cost
/// of Kestrel, the middleware pipeline and routing with no authentication and no work. Measured against it in the same
/// run: <c>GET /v2</c> authenticated by a personal access token (Bearer), by HTTP Basic user + token and by HTTP Basic
/// user + password; a one-row OIP v2 infer of a small tabular ONNX model (LightGBM, 10 features, <c>trees</c> trees,
/// default 200) on an endpoint without and with dynamic batching; MLflow <c>runs/log-metric</c> and
/// <c>runs/search</c> (an experiment of 50 runs, page of 100); the gateway's <c>GET /v1/models</c>. Then raw ONNX
/// Runtime <c>Run</c> calls and the runtime adapter without HTTP, batching off and on, in this process. The ratios of
/// issue 16's goals are printed, each against the floor of this run. Server and load generator share the machine's
/// cores: on 2 cores the floor is bounded by the load generator as much as by the server.
/// </summary>
public static class ServingBenchmark
{
    internal const string Password = "Bench-Passw0rd-1";
    private const int Features = 10;

    public static async Task RunAsync(double seconds, int trees = 200, bool profile = false)
    {
        var onnx = TrainModel(trees);
        var data = Path.Combine(Path.GetTempPath(), "aip-bench-" + Guid.NewGuid().ToString("N"));
        using var host = StartHost(data);
        var baseUrl = await ReadUrlAsync(host);
        try
        {
            var token = await TrackingBenchmark.CreateTokenAsync(baseUrl, Password);
            using var setup = new HttpClient { BaseAddress = baseUrl };
            setup.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var model = JsonDocument.Parse(await (await setup.PostAsJsonAsync("/api/v1/models", new { name = "bench" })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
            (await setup.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent(onnx))).EnsureSuccessStatusCode();
            (await setup.PostAsJsonAsync("/api/v1/endpoints", new { name = "plain", modelId = model, target = "1" })).EnsureSuccessStatusCode();
            (await setup.PostAsJsonAsync("/api/v1/endpoints", new { name = "batched", modelId = model, target = "1", maxBatchSize = 64, maxQueueDelayMicroseconds = 1000 })).EnsureSuccessStatusCode();
            var (runId, searchBody) = await PrepareTrackingAsync(setup);
            var logMetric = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { run_id = runId, key = "loss", value = 0.5, timestamp = 1_700_000_000_000, step = 1 }));

            var body = Encoding.UTF8.GetBytes(RequestJson());
            var bearer = new AuthenticationHeaderValue("Bearer", token);
            var basicToken = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{token}")));
            var basicPassword = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")));
            (string Key, string Name, AuthenticationHeaderValue? Auth, HttpMethod Method, string Path, byte[]? Body)[] targets =
            [
                ("floor", "floor /health/live", null, HttpMethod.Get, "/health/live", null),
                ("pat", "/v2 PAT", bearer, HttpMethod.Get, "/v2", null),
                ("basic-token", "/v2 Basic token", basicToken, HttpMethod.Get, "/v2", null),
                ("basic-password", "/v2 Basic passwd", basicPassword, HttpMethod.Get, "/v2", null),
                ("plain", "infer", bearer, HttpMethod.Post, "/v2/models/plain/infer", body),
                ("batched", "infer, batching", bearer, HttpMethod.Post, "/v2/models/batched/infer", body),
                ("log-metric", "mlflow log-metric", bearer, HttpMethod.Post, "/api/2.0/mlflow/runs/log-metric", logMetric),
                ("search", "mlflow runs/search", bearer, HttpMethod.Post, "/api/2.0/mlflow/runs/search", searchBody),
                ("models", "gateway /v1/models", bearer, HttpMethod.Get, "/v1/models", null),
            ];

            if (profile)
            {
                // For a profiler attached to the server: its process id, then a mix of the hot paths at concurrency 32
                // (AIP_BENCH_PROFILE_TARGETS: the keys of the targets below, comma-separated).
                Console.WriteLine($"PID={host.Id}");
                using var load = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseUrl };
                var keys = (Environment.GetEnvironmentVariable("AIP_BENCH_PROFILE_TARGETS") is { Length: > 0 } k ? k : "pat,plain,batched,log-metric,models").Split(',');
                var hot = targets.Where(t => keys.Contains(t.Key)).ToArray();
                var next = 0;
                Report("profile mix", 32, await LoadAsync(32, seconds, () =>
                {
                    var t = hot[(int)((uint)Interlocked.Increment(ref next) % hot.Length)];
                    return Send(load, t.Method, t.Path, t.Body, t.Auth);
                }));
                return;
            }

            // Every path once before the table (JIT tiers, pools, caches), so that the first cell measured is not also the warm-up of its path.
            using (var warm = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = baseUrl })
            {
                foreach (var t in targets)
                {
                    await LoadAsync(8, 1, () => Send(warm, t.Method, t.Path, t.Body, t.Auth));
                }
            }

            Console.WriteLine($"Serving benchmark: {seconds:0.#} s per cell after 1 s warm-up, model LightGBM {trees} trees × {Features} features, {Environment.ProcessorCount} cores shared by server and load generator.");
            Console.WriteLine("target               conc     req/s    p50 ms   p99 ms");
            var results = new Dictionary<(string, int), Cell>();
            foreach (var concurrency in new[] { 1, 8, 32 })
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = baseUrl };
                foreach (var t in targets)
                {
                    results[(t.Key, concurrency)] = Report(t.Name, concurrency, await LoadAsync(concurrency, seconds, () => Send(http, t.Method, t.Path, t.Body, t.Auth)));
                }

                results[("raw", concurrency)] = Report("raw ORT Run", concurrency, await RawAsync(onnx, concurrency, seconds));
            }

            // The runtime alone (no HTTP), where the model call is the whole cost: batching off and on.
            var runtimeOff = Report("runtime, no HTTP", 32, await RuntimeAsync(onnx, 32, seconds, batching: false));
            var runtimeOn = Report("runtime, batching", 32, await RuntimeAsync(onnx, 32, seconds, batching: true));

            double Rate(string key, int c = 32) => results[(key, c)].Rate;
            var floor = Rate("floor");
            Console.WriteLine();
            Console.WriteLine($"GET /v2 by PAT / floor at concurrency 32: {Rate("pat") / floor:0.00}× (goal ≥ 0.5×)");
            Console.WriteLine($"GET /v2 by Basic token / floor at concurrency 32: {Rate("basic-token") / floor:0.00}×");
            Console.WriteLine($"infer / floor at concurrency 32: {Rate("plain") / floor:0.00}× (goal ≥ 0.35×); with batching {Rate("batched") / floor:0.00}×");
            Console.WriteLine($"Basic password / PAT, p50 at concurrency 1: {results[("basic-password", 1)].P50 / results[("pat", 1)].P50:0.00}× (goal ≤ 1.5×); rate PAT / Basic password at 32: {Rate("pat") / Rate("basic-password"):0.00}×");
            Console.WriteLine($"batching on / off over HTTP at concurrency 32: {Rate("batched") / Rate("plain"):0.00}× (goal ≥ 2×)");
            Console.WriteLine($"in-process runtime, batching on / off at concurrency 32: {runtimeOn.Rate / runtimeOff.Rate:0.00}×");
            Console.WriteLine($"infer / raw ORT at concurrency 32: {Rate("plain") / Rate("raw"):0.00}×");
            Console.WriteLine($"MLflow log-metric / floor: {Rate("log-metric") / floor:0.00}×; runs/search / floor: {Rate("search") / floor:0.00}×; gateway /v1/models / floor: {Rate("models") / floor:0.00}× (at concurrency 32)");
            var stats = JsonDocument.Parse(await setup.GetStringAsync("/api/v1/endpoints?q=batched")).RootElement.GetProperty("items")[0].GetProperty("id").GetGuid();
            var summary = JsonDocument.Parse(await setup.GetStringAsync($"/api/v1/endpoints/{stats}/metrics")).RootElement.GetProperty("summary")[0];
            Console.WriteLine($"mean rows per model call on the batching endpoint: {summary.GetProperty("meanBatchSize").GetDouble():0.0}");
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

    /// <summary>An experiment with 50 finished runs (each with a metric), one open run to log to, and the search body over the experiment.</summary>
    private static async Task<(string RunId, byte[] SearchBody)> PrepareTrackingAsync(HttpClient http)
    {
        async Task<JsonElement> PostAsync(string path, object body)
        {
            using var response = await http.PostAsJsonAsync("/api/2.0/mlflow/" + path, body);
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.Clone() : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
        }

        var experiment = (await PostAsync("experiments/create", new { name = "bench-serving" })).GetProperty("experiment_id").GetString()!;
        for (var i = 0; i < 50; i++)
        {
            var id = (await PostAsync("runs/create", new { experiment_id = experiment, run_name = $"run-{i}" })).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
            await PostAsync("runs/log-metric", new { run_id = id, key = "m1", value = i / 50.0, timestamp = 1_700_000_000_000, step = 0 });
        }

        var run = (await PostAsync("runs/create", new { experiment_id = experiment, run_name = "hot" })).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        return (run, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { experiment_ids = new[] { experiment }, max_results = 100 })));
    }

    /// <summary>The platform alone in this (child) process: Kestrel on a loopback port, its URL printed for the parent.</summary>
    public static async Task HostAsync(string data)
    {
        var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        var port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Platform:DataDirectory", data);
            b.UseSetting("Admin:InitialPassword", Password);
            b.UseSetting("DataSources:AllowedHosts:0", "127.0.0.1");
            b.UseSetting("Jobs:StorageScanCron", string.Empty);
            b.UseSetting("Jobs:StorageCleanupCron", string.Empty);
            b.UseUrls($"http://127.0.0.1:{port}");
        });
        app.UseKestrel(port);
        app.StartServer();
        Console.WriteLine($"URL=http://127.0.0.1:{port}/");

        // The parent holds this process's standard input: when it ends (or dies), so does the platform.
        await Console.In.ReadToEndAsync();
    }

    /// <param name="ServerCpuMs">CPU time the server process spent per request during the cell, when it was measured.</param>
    internal sealed record Cell(double Rate, double P50, double P99, double? ServerCpuMs = null);

    internal static Cell Report(string name, int concurrency, Cell cell)
    {
        Console.WriteLine($"{name,-20}{concurrency,5} {cell.Rate,9:0} {cell.P50,9:0.000} {cell.P99,8:0.000}" + (cell.ServerCpuMs is { } cpu ? $" {cpu,9:0.000}" : string.Empty));
        return cell;
    }

    internal static async Task<Cell> LoadAsync(int concurrency, double seconds, Func<Task> call, Process? server = null)
    {
        var warm = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (warm.Elapsed.TotalSeconds < 1)
            {
                await call();
            }
        }));
        var latencies = new List<double>[concurrency];
        server?.Refresh();
        var cpu = server?.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
        {
            var mine = latencies[c] = new List<double>(100_000);
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        server?.Refresh();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Cell(all.Length / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)], server is null ? null : (server.TotalProcessorTime - cpu!.Value).TotalMilliseconds / all.Length);
    }

    private static async Task<Cell> RawAsync(byte[] onnx, int concurrency, double seconds)
    {
        using var session = new InferenceSession(onnx);
        var input = Enumerable.Range(0, Features).Select(i => (float)i / Features).ToArray();
        var names = Enumerable.Range(0, Features).Select(i => $"f{i}").ToList();
        var outputs = session.OutputMetadata.Keys.Where(k => !k.EndsWith(".unusedOutput", StringComparison.Ordinal)).ToList();
        Task Call()
        {
            var values = names.Select((_, i) => OrtValue.CreateTensorValueFromMemory(new[] { input[i] }, [1, 1])).ToList();
            using var options = new RunOptions();
            using var results = session.Run(options, names, values, outputs);
            values.ForEach(v => v.Dispose());
            return Task.CompletedTask;
        }

        return await LoadAsync(concurrency, seconds, () => Task.Run(Call));
    }

    private static async Task<Cell> RuntimeAsync(byte[] onnx, int concurrency, double seconds, bool batching)
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".onnx");
        await File.WriteAllBytesAsync(file, onnx);
        using var metrics = new AiPlatform.Core.Serving.ServingMetrics(new MeterFactory(), TimeProvider.System);
        using var runtime = new AiPlatform.Infrastructure.Serving.OnnxRuntimeHost(metrics, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<AiPlatform.Infrastructure.Serving.OnnxRuntimeHost>.Instance);
        var key = new AiPlatform.Core.Serving.ServedModel("bench", 1);
        await runtime.LoadAsync(key, file, new AiPlatform.Core.Serving.RuntimeSettings(0, batching ? 64 : 0, TimeSpan.FromMilliseconds(1)), default);
        File.Delete(file);
        var inputs = Enumerable.Range(0, Features).Select(i => new AiPlatform.Core.Serving.InferTensor($"f{i}", "FP32", [1, 1], new[] { (float)i / Features })).ToList();
        return await LoadAsync(concurrency, seconds, () => runtime.InferAsync(key, inputs, null, default));
    }

    private sealed class MeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    internal static async Task Send(HttpClient http, HttpMethod method, string path, byte[]? body, AuthenticationHeaderValue? auth)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = auth;
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await response.Content.CopyToAsync(Stream.Null);
    }

    private static string RequestJson() =>
        "{\"inputs\": [" + string.Join(", ", Enumerable.Range(0, Features).Select(i => $"{{\"name\": \"f{i}\", \"shape\": [1, 1], \"datatype\": \"FP32\", \"data\": [{((float)i / Features).ToString(CultureInfo.InvariantCulture)}]}}")) + "]}";

    internal static Process StartHost(string data)
    {
        var self = typeof(BenchmarkEntry).Assembly.Location;
        var start = Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal)
            ? new ProcessStartInfo(Environment.ProcessPath, [self, "serving-host", data])
            : new ProcessStartInfo(Environment.ProcessPath, ["serving-host", data]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
        return Process.Start(start)!;
    }

    internal static async Task<Uri> ReadUrlAsync(Process host)
    {
        while (await host.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("URL=", StringComparison.Ordinal))
            {
                // Keep draining its console: a full pipe would block the platform's logger.
                _ = Environment.GetEnvironmentVariable("AIP_BENCH_HOST_LOG") is not null
                    ? host.StandardOutput.BaseStream.CopyToAsync(Console.OpenStandardError())
                    : host.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return new Uri(line[4..]);
            }
        }

        throw new InvalidOperationException("The platform process ended before it listened.");
    }

    /// <summary>LightGBM binary classifier on 10 numeric features (<paramref name="trees"/> trees), exported to ONNX with inputs f0…f9.</summary>
    internal static byte[] TrainModel(int trees)
    {
        var ml = new MLContext(seed: 3);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 5000).Select(_ =>
        {
            var r = new Row { F0 = (float)random.NextDouble(), F1 = (float)random.NextDouble(), F2 = (float)random.NextDouble(), F3 = (float)random.NextDouble(), F4 = (float)random.NextDouble(), F5 = (float)random.NextDouble(), F6 = (float)random.NextDouble(), F7 = (float)random.NextDouble(), F8 = (float)random.NextDouble(), F9 = (float)random.NextDouble() };
            r.Label = r.F0 + (r.F1 * r.F2) - r.F3 + (0.2f * r.F4) > 0.4;
            return r;
        }).ToList();
        var names = Enumerable.Range(0, Features).Select(i => $"f{i}").ToArray();
        var pipeline = ml.Transforms.Concatenate("Features", names)
            .Append(ml.BinaryClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options { NumberOfIterations = trees, NumberOfLeaves = 31, Seed = 3, LabelColumnName = "label" }));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(rows));
        using var onnx = new MemoryStream();
        ml.Model.ConvertToOnnx(model, ml.Data.LoadFromEnumerable(rows.Select(r => new Inputs { F0 = r.F0, F1 = r.F1, F2 = r.F2, F3 = r.F3, F4 = r.F4, F5 = r.F5, F6 = r.F6, F7 = r.F7, F8 = r.F8, F9 = r.F9 })), onnx);
        return onnx.ToArray();
    }

    private class Inputs
    {
        [ColumnName("f0")] public float F0 { get; set; }
        [ColumnName("f1")] public float F1 { get; set; }
        [ColumnName("f2")] public float F2 { get; set; }
        [ColumnName("f3")] public float F3 { get; set; }
        [ColumnName("f4")] public float F4 { get; set; }
        [ColumnName("f5")] public float F5 { get; set; }
        [ColumnName("f6")] public float F6 { get; set; }
        [ColumnName("f7")] public float F7 { get; set; }
        [ColumnName("f8")] public float F8 { get; set; }
        [ColumnName("f9")] public float F9 { get; set; }
    }

    private sealed class Row : Inputs
    {
        [ColumnName("label")] public bool Label { get; set; }
    }
}
