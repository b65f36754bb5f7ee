using System.ComponentModel.DataAnnotations;

namespace AiPlatform.Infrastructure.Persistence;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (default: a file in the data folder) or <c>Postgres</c>.</summary>
    [Required]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Connection string; required for Postgres, optional for SQLite (defaults to <c>{data}/aiplatform.db</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations at start (embedded default). In Kubernetes a migration Job runs them instead.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
