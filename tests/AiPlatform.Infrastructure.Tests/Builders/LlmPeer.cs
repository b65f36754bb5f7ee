using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// The OpenAI-compatible test server (scripts/peers/llm: llama.cpp on a tiny random-weight model) as a child process
/// on a free loopback port. scripts/test.sh installs it and writes the model (AIP_TEST_LLM_MODEL).
/// </summary>
public sealed class LlmPeer : IAsyncLifetime
{
    private Process? _process;

    public const string ApiKey = "llm-test-key";

    public const string Model = "tiny-llama";

    public string BaseUrl { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var model = Environment.GetEnvironmentVariable("AIP_TEST_LLM_MODEL");
        if (string.IsNullOrEmpty(model) || !File.Exists(model))
        {
            throw new InvalidOperationException("AIP_TEST_LLM_MODEL does not name the test model: run scripts/test.sh (it writes the model with scripts/peers/llm/make-model.sh).");
        }

        var folder = Path.Combine(Root(), "scripts", "peers", "llm");
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("node", ["server.mjs", model, port.ToString(System.Globalization.CultureInfo.InvariantCulture), ApiKey])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var ready = new TaskCompletionSource();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("LLM on", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        BaseUrl = $"http://127.0.0.1:{port}/v1";
    }

    public Task DisposeAsync()
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
