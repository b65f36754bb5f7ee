using AiPlatform.Core;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AiPlatform.Infrastructure.Tests.Persistence;

/// <summary>What an operator reads in the log on the very first start against PostgreSQL.</summary>
public sealed class FirstStartTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_first_start_on_PostgreSQL_logs_no_error(bool databaseExists)
    {
        var database = "aip_first_" + Guid.NewGuid().ToString("N")[..12];
        var data = Path.Combine(Path.GetTempPath(), "aip-tests", Guid.NewGuid().ToString("N"));
        var logs = new CapturingLoggerProvider();
        try
        {
            if (databaseExists)
            {
                await ExecuteAsync($"CREATE DATABASE {database}");
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Platform:DataDirectory"] = data,
                ["Admin:InitialPassword"] = PlatformServicesFixture.AdminPassword,
                ["Database:Provider"] = "Postgres",
                ["Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(TestPeers.PostgresConnectionString) { Database = database }.ConnectionString,
            }).Build();
            var services = new ServiceCollection();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
            services.AddMetrics();
            services.AddCore();
            services.AddInfrastructure(configuration);
            await using (var provider = services.BuildServiceProvider())
            {
                await provider.MigrateDatabaseAsync();

                // A second start finds everything in place and logs no error either.
                await provider.MigrateDatabaseAsync();
            }

            logs.Events.Where(e => e.Level >= LogLevel.Error).ShouldBeEmpty();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestPeers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
