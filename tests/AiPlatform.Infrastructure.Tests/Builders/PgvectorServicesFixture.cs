namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// The platform on SQLite with knowledge-base vectors in pgvector: PostgreSQL + pgvector from scripts/peers/pgvector
/// (PGlite, the real extension in Postgres compiled to WebAssembly), started as a child process on a free port.
/// </summary>
public sealed class PgvectorServicesFixture : PlatformServicesFixture
{
    private NodePeer? _peer;

    public override string Provider => "Sqlite+pgvector";

    protected override async Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync()
    {
        _peer = await NodePeer.StartAsync("pgvector", "pgvector on", port => [NodePeer.PortText(port)]);
        return new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Knowledge:VectorStore"] = "Pgvector",

            // PGlite serves one connection at a time.
            ["Knowledge:PgvectorConnectionString"] = $"Host=127.0.0.1;Port={_peer.Port};Username=postgres;Password=postgres;Database=postgres;Maximum Pool Size=1;Timeout=60;Command Timeout=120",
        };
    }

    protected override Task DropDatabaseAsync()
    {
        _peer?.Dispose();
        return Task.CompletedTask;
    }
}
