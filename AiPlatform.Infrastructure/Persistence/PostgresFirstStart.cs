using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace AiPlatform.Infrastructure.Persistence;

/// <summary>
/// Prepares a PostgreSQL database for EF Core's migrator so that a first start logs no error. The Npgsql provider
/// assumes the migrations history table exists and lets the failing query tell it otherwise, and a missing database
/// shows up as a failed connection: both are logged as errors by EF Core although nothing is wrong. Here the database
/// is created when missing and the history table with the provider's own <c>CREATE TABLE IF NOT EXISTS</c> script, over
/// plain Npgsql connections, before the migrator runs.
/// </summary>
internal static class PostgresFirstStart
{
    private const string InvalidCatalogName = "3D000";
    private const string DuplicateDatabase = "42P04";
    private const string DuplicateTable = "42P07";
    private const string UniqueViolation = "23505";

    public static async Task PrepareAsync(PlatformDbContext db, CancellationToken ct)
    {
        var connectionString = db.Database.GetConnectionString() ?? throw new InvalidOperationException("The PostgreSQL context has no connection string.");
        await EnsureDatabaseAsync(connectionString, ct);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), connection);
        try
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is DuplicateTable or UniqueViolation)
        {
            // Another node created it at the same moment.
        }
    }

    private static async Task EnsureDatabaseAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await using var probe = new NpgsqlConnection(connectionString);
            await probe.OpenAsync(ct);
            return;
        }
        catch (PostgresException e) when (e.SqlState == InvalidCatalogName)
        {
        }

        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{target.Database!.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        try
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is DuplicateDatabase or UniqueViolation)
        {
        }

        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
    }
}
