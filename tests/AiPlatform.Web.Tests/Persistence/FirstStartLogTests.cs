using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace AiPlatform.Web.Tests.Persistence;

/// <summary>The whole app's first start on an empty PostgreSQL database, read from the log file an operator reads.</summary>
public sealed class FirstStartLogTests
{
    [Fact]
    public async Task A_first_start_on_an_empty_PostgreSQL_database_writes_no_error_to_the_log()
    {
        var server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("AIP_TEST_POSTGRES")
            ?? throw new InvalidOperationException("AIP_TEST_POSTGRES is not set: run scripts/test.sh."));
        var database = "aip_web_first_" + Guid.NewGuid().ToString("N")[..12];
        var factory = new PostgresFactory(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ConnectionString);
        try
        {
            (await factory.CreateAdminClient().GetAsync("/health/ready")).EnsureSuccessStatusCode();
            await factory.DisposeAsync();

            var lines = Directory.GetFiles(Path.Combine(factory.DataDirectory, "logs"), "aiplatform-*.log")
                .SelectMany(ReadShared)
                .ToList();
            lines.ShouldContain(l => l.Contains(" INF] ", StringComparison.Ordinal), "the log file is written");
            lines.Where(l => l.Contains(" ERR] ", StringComparison.Ordinal) || l.Contains(" FTL] ", StringComparison.Ordinal)).ShouldBeEmpty();
        }
        finally
        {
            await factory.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            factory.DeleteData();
        }
    }

    private static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    private sealed class PostgresFactory(string connectionString) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("Database:ConnectionString", connectionString);
        }
    }
}
