using Npgsql;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// A database of its own on the PostgreSQL server started by scripts/test.sh (<c>AIP_TEST_POSTGRES</c>); the platform
/// creates it on its first start, and it is dropped at the end.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly string _server = Environment.GetEnvironmentVariable("AIP_TEST_POSTGRES") is { Length: > 0 } server
        ? server
        : throw new InvalidOperationException("AIP_TEST_POSTGRES is not set. Run the tests with scripts/test.sh, which starts the real PostgreSQL server.");

    public PostgresTestDatabase() =>
        ConnectionString = new NpgsqlConnectionStringBuilder(_server) { Database = Name }.ConnectionString;

    public string Name { get; } = "aip_test_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString { get; }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
