using System.Diagnostics;
using System.Globalization;
using AiPlatform.Core;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Infrastructure;
using DuckDB.NET.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/AiPlatform.Benchmarks -- throughput [MB]</c>: generates a CSV of about
/// that size (default 1024 MB), then, in the same run, times (a) DuckDB reading and summarising it directly and
/// (b) the platform's upload → content-addressed version → profile job on the same file, and reports both
/// throughputs, their ratio and this process's peak working set. Run once; it is not a BenchmarkDotNet benchmark
/// because one pass over a gigabyte is the measurement.
/// </summary>
public static class DatasetThroughput
{
    public static async Task RunAsync(int megabytes)
    {
        var folder = Path.Combine(Path.GetTempPath(), "aip-throughput-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var csv = Path.Combine(folder, "data.csv");
            var rows = await GenerateAsync(csv, megabytes * 1024L * 1024L);
            var bytes = new FileInfo(csv).Length;
            Console.WriteLine($"Generated {bytes / 1048576.0:N0} MB, {rows:N0} rows.");

            var direct = Stopwatch.StartNew();
            await using (var duck = new DuckDBConnection("Data Source=:memory:"))
            {
                await duck.OpenAsync();
                foreach (var sql in new[] { $"SELECT COUNT(*) FROM read_csv('{csv}', header = true)", $"SUMMARIZE SELECT * FROM read_csv('{csv}', header = true)" })
                {
                    await using var command = duck.CreateCommand();
                    command.CommandText = sql;
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                    }
                }
            }

            direct.Stop();

            await using var services = Build(Path.Combine(folder, "platform"));
            await services.MigrateDatabaseAsync();
            var caller = services.GetRequiredService<BenchCaller>();
            await using (var scope = services.CreateAsyncScope())
            {
                var admin = (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindByNameAsync("admin", default))!;
                caller.Identity = new CallerIdentity(admin.Id, admin.UserName);
            }

            var platform = Stopwatch.StartNew();
            Guid jobId;
            await using (var scope = services.CreateAsyncScope())
            {
                var datasets = scope.ServiceProvider.GetRequiredService<DatasetService>();
                var dataset = await datasets.CreateAsync("throughput", null, null, default);
                await using var file = File.OpenRead(csv);
                var version = (await datasets.UploadAsync(dataset.Id, file, "data.csv", null, default)).Version;
                jobId = (await scope.ServiceProvider.GetRequiredService<JobService>().ListAsync(new JobQuery(Kind: ProfileDatasetHandler.JobKind), default)).Items.Single().Id;
                Console.WriteLine($"Version {version.Number}: {version.RowCount:N0} rows, {version.Columns.Count} columns; upload + version took {platform.Elapsed.TotalSeconds:N1} s.");
            }

            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<JobRunner>().RunAsync(jobId, default);
                var job = await scope.ServiceProvider.GetRequiredService<JobService>().GetAsync(jobId, default);
                if (job.Status != JobStatus.Succeeded)
                {
                    throw new InvalidOperationException($"The profile job ended {job.Status}: {job.Error}");
                }
            }

            platform.Stop();
            var mb = bytes / 1048576.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DuckDB directly (count + summarize): {direct.Elapsed.TotalSeconds:N1} s, {mb / direct.Elapsed.TotalSeconds:N0} MB/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Platform (upload + version + profile): {platform.Elapsed.TotalSeconds:N1} s, {mb / platform.Elapsed.TotalSeconds:N0} MB/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Throughput ratio platform/DuckDB: {direct.Elapsed.TotalSeconds / platform.Elapsed.TotalSeconds:N2} (goal >= 0.5)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Peak working set of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MB"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<long> GenerateAsync(string path, long targetBytes)
    {
        var random = new Random(1);
        string[] categories = ["alpha", "beta", "gamma", "delta", "epsilon"];
        await using var writer = new StreamWriter(path, false, new System.Text.UTF8Encoding(false), 1 << 20);
        await writer.WriteLineAsync("id,category,amount,score,created");
        long rows = 0;
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        while (writer.BaseStream.Length < targetBytes)
        {
            for (var i = 0; i < 10_000; i++, rows++)
            {
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{rows},{categories[random.Next(categories.Length)]},{random.NextDouble() * 1000:F2},{random.Next(0, 100)},{start.AddSeconds(rows):yyyy-MM-dd HH:mm:ss}"));
            }

            await writer.FlushAsync();
        }

        return rows;
    }

    /// <summary>The platform's services on a fresh data folder, migrated, acting as the administrator.</summary>
    internal static async Task<ServiceProvider> BuildAsAdminAsync(string data)
    {
        var services = Build(data);
        await services.MigrateDatabaseAsync();
        await using var scope = services.CreateAsyncScope();
        var admin = (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindByNameAsync("admin", default))!;
        services.GetRequiredService<BenchCaller>().Identity = new CallerIdentity(admin.Id, admin.UserName);
        return services;
    }

    internal static ServiceProvider Build(string data)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = data,
            ["Admin:InitialPassword"] = "Bench-Passw0rd",
        }).Build();
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning)).AddMetrics().AddCore();
        services.AddInfrastructure(configuration);
        services.AddSingleton<BenchCaller>();
        services.RemoveAll<ICurrentUser>();
        services.AddSingleton<ICurrentUser>(sp => sp.GetRequiredService<BenchCaller>());
        return services.BuildServiceProvider();
    }

    internal sealed class BenchCaller : ICurrentUser
    {
        public CallerIdentity? Identity { get; set; }

        public string? ClientIp => null;

        public string? CorrelationId => null;

        public ValueTask<CallerIdentity?> GetAsync(CancellationToken ct) => ValueTask.FromResult(Identity);
    }
}
