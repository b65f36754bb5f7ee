using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AiPlatform.Infrastructure.Persistence;

/// <summary>
/// Sets up every SQLite connection the platform opens: <c>synchronous = NORMAL</c> (with the write-ahead log, which
/// <see cref="EnableWriteAheadLogAsync"/> turns on at start, a commit is durable once the process has written it; only an
/// operating-system crash or power loss can lose the last commits, never corrupt the file) and a busy timeout, so a
/// writer that meets another waits in SQLite's own short back-off instead of the driver's 150 ms retry sleep.
/// </summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    /// <summary>How long a statement waits for another connection's write lock before it fails with "database is locked".</summary>
    public const int BusyTimeoutMs = 30_000;

    private static readonly string Pragmas = $"PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {BusyTimeoutMs};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Switches the database file to the write-ahead log (kept in the file: readers no longer block the writer, and a commit
    /// appends to the log instead of rewriting a rollback journal).
    /// </summary>
    public static async Task EnableWriteAheadLogAsync(DbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            await command.ExecuteScalarAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
