namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// The OpenAI-compatible test server (scripts/peers/llm: llama.cpp on a tiny random-weight model) as a child process
/// on a free loopback port. scripts/test.sh installs it and writes the model (AIP_TEST_LLM_MODEL).
/// </summary>
public sealed class LlmPeer : IAsyncLifetime
{
    public const string ApiKey = "llm-test-key";

    public const string Model = "tiny-llama";

    private NodePeer? _peer;

    public string BaseUrl { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var model = Environment.GetEnvironmentVariable("AIP_TEST_LLM_MODEL");
        if (string.IsNullOrEmpty(model) || !File.Exists(model))
        {
            throw new InvalidOperationException("AIP_TEST_LLM_MODEL does not name the test model: run scripts/test.sh (it writes the model with scripts/peers/llm/make-model.sh).");
        }

        _peer = await NodePeer.StartAsync("llm", "LLM on", port => [model, NodePeer.PortText(port), ApiKey]);
        BaseUrl = $"http://127.0.0.1:{_peer.Port}/v1";
    }

    public Task DisposeAsync()
    {
        _peer?.Dispose();
        return Task.CompletedTask;
    }
}
