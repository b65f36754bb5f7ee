using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// The Keycloak stand-in (npm oidc-provider, see scripts/peers/oidc) as a child process on a free loopback port.
/// scripts/test.sh installs its packages; a missing install fails with a message saying so.
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    private readonly Process _process;

    private OidcProviderProcess(Process process, int port, string realm)
    {
        _process = process;
        Port = port;
        Realm = realm;
    }

    public int Port { get; }

    public string Realm { get; }

    public string Authority => $"http://127.0.0.1:{Port}/realms/{Realm}";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the provider; <paramref name="tokenLifetime"/> sets its access and ID token lifetime (default 10 minutes).</summary>
    public static async Task<OidcProviderProcess> StartAsync(int port, string redirectUri, string realm = "aiplatform", TimeSpan? tokenLifetime = null)
    {
        var folder = Path.Combine(RepositoryRoot(), "scripts", "peers", "oidc");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed in {folder}: run scripts/test.sh (it runs npm ci there).");
        }

        var start = new ProcessStartInfo("node", ["server.mjs", port.ToString(System.Globalization.CultureInfo.InvariantCulture), redirectUri, realm])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (tokenLifetime is { } lifetime)
        {
            start.Environment["AIP_OIDC_TOKEN_TTL_S"] = ((int)Math.Ceiling(lifetime.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new OidcProviderProcess(process, port, realm);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("AiPlatform.sln not found.");
    }
}
