using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.E2E.Tests;

/// <summary>The app with single sign-on against the Keycloak stand-in (scripts/peers/oidc), started once the app's port is known.</summary>
public sealed class OidcBrowserFixture : BrowserFixture
{
    private readonly int _providerPort = FreePort();
    private Process? _provider;

    public string Authority => $"http://127.0.0.1:{_providerPort}/realms/aiplatform";

    protected override void ConfigureApp(IWebHostBuilder builder)
    {
        builder.UseSetting("Authentication:Oidc:Enabled", "true");
        builder.UseSetting("Authentication:Oidc:DisplayName", "Keycloak");
        builder.UseSetting("Authentication:Oidc:Authority", Authority);
        builder.UseSetting("Authentication:Oidc:ClientId", "aiplatform-web");
        builder.UseSetting("Authentication:Oidc:ClientSecret", "web-secret");
        builder.UseSetting("Authentication:Oidc:RequireHttpsMetadata", "false");
        builder.UseSetting("Authentication:Oidc:RoleMapping:platform-admin", "Admin");
        builder.UseSetting("Authentication:Oidc:RoleMapping:data-scientist", "Model Developer");
    }

    protected override async Task AfterStartAsync()
    {
        var folder = Path.Combine(RepositoryRoot(), "scripts", "peers", "oidc");
        var start = new ProcessStartInfo("node", ["server.mjs", _providerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), BaseUrl + "/signin-oidc"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _provider = Process.Start(start)!;
        var ready = new TaskCompletionSource();
        _provider.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _provider.ErrorDataReceived += (_, _) => { };
        _provider.BeginOutputReadLine();
        _provider.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public override async Task DisposeAsync()
    {
        if (_provider is { HasExited: false })
        {
            _provider.Kill(entireProcessTree: true);
            await _provider.WaitForExitAsync();
        }

        await base.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
