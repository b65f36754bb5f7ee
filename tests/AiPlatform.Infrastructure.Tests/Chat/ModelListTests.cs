using System.Text.Json;
using AiPlatform.Infrastructure.Chat;

namespace AiPlatform.Infrastructure.Tests.Chat;

/// <summary>The context window as the OpenAI-compatible servers people run put it in their model lists.</summary>
public class ModelListTests
{
    [Theory]
    [InlineData("""{"id":"qwen","object":"model","max_model_len":32768}""", 32768)] // vLLM
    [InlineData("""{"id":"qwen","context_length":8192,"loaded_context_length":4096}""", 4096)] // LM Studio: the loaded window wins
    [InlineData("""{"id":"mixtral","context_length":32000}""", 32000)] // OpenRouter
    [InlineData("""{"id":"llama3","context_window":131072}""", 131072)] // Groq
    [InlineData("""{"id":"local","meta":{"n_ctx_train":4096}}""", 4096)] // llama.cpp server
    [InlineData("""{"id":"local","meta":{"n_ctx":2048,"n_ctx_train":4096}}""", 2048)]
    [InlineData("""{"id":"gpt-4o","object":"model","owned_by":"openai"}""", null)] // OpenAI, Ollama: not told
    [InlineData("""{"id":"odd","max_model_len":"big","meta":7}""", null)]
    [InlineData("""{"id":"odd","max_model_len":0}""", null)]
    public void The_context_window_is_read_where_the_server_puts_it(string json, int? expected)
    {
        using var doc = JsonDocument.Parse(json);
        OpenAiConnector.ContextOf(doc.RootElement).ShouldBe(expected);
    }
}
