namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// The OpenAI-compatible test server (scripts/peers/llm: llama.cpp on a tiny random-weight model) as a child process
/// on a free loopback port. scripts/test.sh installs it and writes the model (AIP_TEST_LLM_MODEL).
/// </summary>
public sealed class LlmPeer : IAsyncLifetime
{
    public const string ApiKey = "llm-test-key";

    public const string Model = "tiny-llama";

    private readonly IReadOnlyDictionary<string, string>? _environment;

    private NodePeer? _peer;

    public LlmPeer()
    {
    }

    private LlmPeer(IReadOnlyDictionary<string, string> environment) => _environment = environment;

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>
    /// A peer of its own with the failure switches of scripts/peers/llm/server.mjs: a delay before each token
    /// (<c>AIP_LLM_TOKEN_DELAY_MS</c>) or every chat completion refused with a status (<c>AIP_LLM_FAIL_STATUS</c>,
    /// <c>AIP_LLM_RETRY_AFTER</c>).
    /// </summary>
    public static async Task<LlmPeer> StartAsync(TimeSpan? tokenDelay = null, int? failStatus = null, int? retryAfterSeconds = null)
    {
        var environment = new Dictionary<string, string>();
        if (tokenDelay is { } delay)
        {
            environment["AIP_LLM_TOKEN_DELAY_MS"] = NodePeer.PortText((int)delay.TotalMilliseconds);
        }

        if (failStatus is { } status)
        {
            environment["AIP_LLM_FAIL_STATUS"] = NodePeer.PortText(status);
        }

        if (retryAfterSeconds is { } seconds)
        {
            environment["AIP_LLM_RETRY_AFTER"] = NodePeer.PortText(seconds);
        }

        var peer = new LlmPeer(environment);
        await peer.InitializeAsync();
        return peer;
    }

    /// <summary>The peer's count of chat completions (GET /debug/requests): started, completed, aborted by the client, open.</summary>
    public async Task<(int Started, int Completed, int Aborted, int Open)> RequestsAsync()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(BaseUrl.Replace("/v1", "/debug/requests", StringComparison.Ordinal)));
        var r = doc.RootElement;
        return (r.GetProperty("started").GetInt32(), r.GetProperty("completed").GetInt32(), r.GetProperty("aborted").GetInt32(), r.GetProperty("open").GetInt32());
    }

    public async Task InitializeAsync()
    {
        var model = Environment.GetEnvironmentVariable("AIP_TEST_LLM_MODEL");
        if (string.IsNullOrEmpty(model) || !File.Exists(model))
        {
            throw new InvalidOperationException("AIP_TEST_LLM_MODEL does not name the test model: run scripts/test.sh (it writes the model with scripts/peers/llm/make-model.sh).");
        }

        _peer = await NodePeer.StartAsync("llm", "LLM on", port => [model, NodePeer.PortText(port), ApiKey], _environment);
        BaseUrl = $"http://127.0.0.1:{_peer.Port}/v1";
    }

    public Task DisposeAsync()
    {
        _peer?.Dispose();
        return Task.CompletedTask;
    }
}
