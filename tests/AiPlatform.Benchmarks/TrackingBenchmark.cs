using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace AiPlatform.Benchmarks;

/// <summary>
/// <c>AIP_BENCH_POSTGRES=… dotnet run -c Release --project tests/AiPlatform.Benchmarks -- tracking</c>: the platform
/// on a real Kestrel loopback port over PostgreSQL, measured in one run against raw baselines.
/// (1) MLflow <c>log-batch</c> ingestion, 1,000 metrics per request from 8 concurrent clients, against a raw binary
/// <c>COPY</c> of the same rows into the same table from 8 concurrent connections.
/// (2) <c>runs/search</c> over an experiment with 100,000 runs × 10 metrics for <c>metrics.m1 &gt; 0.5</c> ordered by
/// <c>metrics.m1 DESC</c>, first page of 100, over HTTP (median of 20 after warm-up).
/// </summary>
public static class TrackingBenchmark
{
    private const int Clients = 8;
    private const int MetricsPerRequest = 1000;

    public static async Task RunAsync(int requestsPerClient, int searchRuns)
    {
        var postgres = Environment.GetEnvironmentVariable("AIP_BENCH_POSTGRES") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("Set AIP_BENCH_POSTGRES to a PostgreSQL connection string (the benchmark creates and drops its own database).");
        var database = "aip_bench_" + Guid.NewGuid().ToString("N")[..10];
        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = database, MaxPoolSize = 100 }.ConnectionString;
        var data = Path.Combine(Path.GetTempPath(), "aip-bench-" + Guid.NewGuid().ToString("N"));
        const string password = "Bench-Passw0rd-1";
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Platform:DataDirectory", data);
            b.UseSetting("Database:Provider", "Postgres");
            b.UseSetting("Database:ConnectionString", connectionString);
            b.UseSetting("Admin:InitialPassword", password);
            b.UseSetting("Jobs:StorageScanCron", string.Empty);
            b.UseSetting("Jobs:StorageCleanupCron", string.Empty);
            b.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        });
        app.UseKestrel(0);
        app.StartServer();
        var baseUrl = app.ClientOptions.BaseAddress;
        try
        {
            var token = await CreateTokenAsync(baseUrl, password);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients * 2 }) { BaseAddress = baseUrl };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var experimentId = (await PostAsync(http, "experiments/create", new { name = "ingest" })).GetProperty("experiment_id").GetString()!;
            var runIds = new List<string>();
            for (var c = 0; c < Clients; c++)
            {
                runIds.Add((await PostAsync(http, "runs/create", new { experiment_id = experimentId, run_name = $"client-{c}" })).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!);
            }

            // Warm-up: one request per client (JIT, pools, plans).
            await Task.WhenAll(runIds.Select(id => PostRawAsync(http, "runs/log-batch", BatchJson(id, -1))));

            var ingest = Stopwatch.StartNew();
            await Task.WhenAll(runIds.Select(async id =>
            {
                for (var r = 0; r < requestsPerClient; r++)
                {
                    await PostRawAsync(http, "runs/log-batch", BatchJson(id, r));
                }
            }));
            ingest.Stop();
            var total = (long)Clients * requestsPerClient * MetricsPerRequest;
            var apiRate = total / ingest.Elapsed.TotalSeconds;

            var copy = Stopwatch.StartNew();
            await Task.WhenAll(runIds.Select(id => CopyAsync(connectionString, Guid.Parse(id), requestsPerClient)));
            copy.Stop();
            var copyRate = total / copy.Elapsed.TotalSeconds;
            Console.WriteLine($"log-batch over HTTP: {total:N0} metrics from {Clients} clients in {ingest.Elapsed.TotalSeconds:N2} s = {apiRate:N0} metrics/s");
            Console.WriteLine($"raw COPY baseline:  {total:N0} metrics on {Clients} connections in {copy.Elapsed.TotalSeconds:N2} s = {copyRate:N0} metrics/s");
            Console.WriteLine($"ratio log-batch / COPY = {apiRate / copyRate:N2} (goal >= 0.30)");

            var searchExperiment = (await PostAsync(http, "experiments/create", new { name = "search" })).GetProperty("experiment_id").GetString()!;
            var seed = Stopwatch.StartNew();
            await SeedRunsAsync(app.Services, connectionString, searchExperiment, searchRuns);
            Console.WriteLine($"Seeded {searchRuns:N0} runs × 10 metrics in {seed.Elapsed.TotalSeconds:N1} s (COPY, then ANALYZE).");
            var body = JsonSerializer.Serialize(new { experiment_ids = new[] { searchExperiment }, filter = "metrics.m1 > 0.5", order_by = new[] { "metrics.m1 DESC" }, max_results = 100 });
            for (var i = 0; i < 5; i++)
            {
                await PostRawAsync(http, "runs/search", body);
            }

            var times = new List<double>();
            JsonElement last = default;
            for (var i = 0; i < 20; i++)
            {
                var watch = Stopwatch.StartNew();
                last = JsonDocument.Parse(await PostRawAsync(http, "runs/search", body)).RootElement;
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            var first = last.GetProperty("runs")[0].GetProperty("data").GetProperty("metrics").EnumerateArray().First(m => m.GetProperty("key").GetString() == "m1").GetProperty("value").GetDouble();
            Console.WriteLine($"runs/search over HTTP, {searchRuns:N0} runs, 'metrics.m1 > 0.5' ORDER BY metrics.m1 DESC, page of {last.GetProperty("runs").GetArrayLength()}: median {times[times.Count / 2]:N1} ms, p90 {times[(int)(times.Count * 0.9)]:N1} ms, min {times[0]:N1} ms (goal < 100 ms); top m1 = {first:N6}");
        }
        finally
        {
            await app.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(postgres);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    /// <summary>1,000 metrics: 10 keys × 100 steps, as a training loop logs them.</summary>
    private static string BatchJson(string runId, int request)
    {
        var builder = new StringBuilder(64_000);
        builder.Append("{\"run_id\":\"").Append(runId).Append("\",\"metrics\":[");
        for (var i = 0; i < MetricsPerRequest; i++)
        {
            var step = ((long)request * 100) + (i / 10);
            builder.Append(i == 0 ? string.Empty : ",").Append("{\"key\":\"m").Append(i % 10).Append("\",\"value\":")
                .Append((Math.Sin(step + i) + 1).ToString("R", CultureInfo.InvariantCulture)).Append(",\"timestamp\":").Append(1_700_000_000_000 + step).Append(",\"step\":").Append(step).Append('}');
        }

        return builder.Append("]}").ToString();
    }

    private static async Task CopyAsync(string connectionString, Guid runId, int requests)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var writer = await connection.BeginBinaryImportAsync("COPY \"run_metrics\" (\"run_id\", \"key\", \"value\", \"is_nan\", \"timestamp\", \"step\") FROM STDIN (FORMAT BINARY)");
        for (var r = 0; r < requests; r++)
        {
            for (var i = 0; i < MetricsPerRequest; i++)
            {
                var step = ((long)r * 100) + (i / 10);
                await writer.StartRowAsync();
                await writer.WriteAsync(runId, NpgsqlDbType.Uuid);
                await writer.WriteAsync("m" + (i % 10), NpgsqlDbType.Varchar);
                await writer.WriteAsync(Math.Sin(step + i) + 1, NpgsqlDbType.Double);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean);
                await writer.WriteAsync(1_700_000_000_000 + step, NpgsqlDbType.Bigint);
                await writer.WriteAsync(step, NpgsqlDbType.Bigint);
            }
        }

        await writer.CompleteAsync();
    }

    private static async Task SeedRunsAsync(IServiceProvider services, string connectionString, string mlflowExperimentId, int runs)
    {
        Guid experimentId;
        Guid ownerId;
        await using (var scope = services.CreateAsyncScope())
        {
            var admin = (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindByNameAsync("admin", default))!;
            ownerId = admin.Id;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var find = new NpgsqlCommand("SELECT id FROM experiments WHERE number = @n", connection))
        {
            find.Parameters.AddWithValue("n", long.Parse(mlflowExperimentId, CultureInfo.InvariantCulture));
            experimentId = (Guid)(await find.ExecuteScalarAsync())!;
        }

        var random = new Random(42);
        var ids = Enumerable.Range(0, runs).Select(_ => Guid.CreateVersion7()).ToList();
        await using (var writer = await connection.BeginBinaryImportAsync("COPY runs (id, experiment_id, name, user_id, user_name, status, start_time, end_time, lifecycle_stage, parent_run_id) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < runs; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(ids[i], NpgsqlDbType.Uuid);
                await writer.WriteAsync(experimentId, NpgsqlDbType.Uuid);
                await writer.WriteAsync($"run-{i}", NpgsqlDbType.Varchar);
                await writer.WriteAsync(ownerId, NpgsqlDbType.Uuid);
                await writer.WriteAsync("admin", NpgsqlDbType.Varchar);
                await writer.WriteAsync((int)RunStatus.Finished, NpgsqlDbType.Integer);
                await writer.WriteAsync(1_700_000_000_000L + i, NpgsqlDbType.Bigint);
                await writer.WriteAsync(1_700_000_100_000L + i, NpgsqlDbType.Bigint);
                await writer.WriteAsync((int)LifecycleStage.Active, NpgsqlDbType.Integer);
                await writer.WriteNullAsync();
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("COPY run_latest_metrics (run_id, experiment_id, key, value, is_nan, timestamp, step) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var id in ids)
            {
                for (var m = 0; m < 10; m++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(id, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(experimentId, NpgsqlDbType.Uuid);
                    await writer.WriteAsync("m" + m, NpgsqlDbType.Varchar);
                    await writer.WriteAsync(random.NextDouble(), NpgsqlDbType.Double);
                    await writer.WriteAsync(false, NpgsqlDbType.Boolean);
                    await writer.WriteAsync(1_700_000_000_000L, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(0L, NpgsqlDbType.Bigint);
                }
            }

            await writer.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE runs; ANALYZE run_latest_metrics;", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    internal static async Task<string> CreateTokenAsync(Uri baseUrl, string password)
    {
        using var basic = new HttpClient { BaseAddress = baseUrl };
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{password}")));
        var response = await basic.PostAsJsonAsync("/api/v1/me/tokens", new { name = "bench", scope = "ReadWrite", expiresInDays = 1 });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString()!;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string endpoint, object body) =>
        JsonDocument.Parse(await PostRawAsync(http, endpoint, JsonSerializer.Serialize(body))).RootElement.Clone();

    private static async Task<string> PostRawAsync(HttpClient http, string endpoint, string json)
    {
        using var response = await http.PostAsync("/api/2.0/mlflow/" + endpoint, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"{endpoint}: {(int)response.StatusCode} {text}");
    }
}
