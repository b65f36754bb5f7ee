using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// The platform on SQLite with knowledge-base vectors in pgvector: PostgreSQL + pgvector from scripts/peers/pgvector
/// (PGlite, the real extension in Postgres compiled to WebAssembly), started as a child process on a free port.
/// </summary>
public sealed class PgvectorServicesFixture : PlatformServicesFixture
{
    private Process? _process;

    public override string Provider => "Sqlite+pgvector";

    protected override async Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync()
    {
        var folder = Path.Combine(Root(), "scripts", "peers", "pgvector");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            throw new InvalidOperationException("scripts/peers/pgvector is not installed: run scripts/test.sh (it runs npm ci there).");
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        _process = Process.Start(new ProcessStartInfo("node", ["server.mjs", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("node did not start.");
        var ready = new TaskCompletionSource();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("pgvector on", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Knowledge:VectorStore"] = "Pgvector",

            // PGlite serves one connection at a time.
            ["Knowledge:PgvectorConnectionString"] = $"Host=127.0.0.1;Port={port};Username=postgres;Password=postgres;Database=postgres;Maximum Pool Size=1;Timeout=60;Command Timeout=120",
        };
    }

    protected override Task DropDatabaseAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
    }
}
