using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>A test peer written for Node.js (scripts/peers/NAME/server.mjs) run as a child process on a free loopback port.</summary>
public sealed class NodePeer : IDisposable
{
    private readonly Process _process;

    private NodePeer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts <c>node server.mjs PORT …</c> in scripts/peers/<paramref name="name"/> and waits for a line containing <paramref name="readyMarker"/>.</summary>
    public static async Task<NodePeer> StartAsync(string name, string readyMarker, Func<int, IEnumerable<string>> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = Path.Combine(RepositoryRoot(), "scripts", "peers", name);
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            throw new InvalidOperationException($"scripts/peers/{name} is not installed: run scripts/test.sh (it runs npm ci there).");
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("node", ["server.mjs", .. arguments(port)])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(readyMarker, StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };

        // Both streams are drained: a full pipe would block the peer.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new NodePeer(process, port);
    }

    public static string PortText(int port) => port.ToString(CultureInfo.InvariantCulture);

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
