using System.Text.Json.Nodes;

namespace AiPlatform.Core.Chat;

/// <summary>How a gateway call ended.</summary>
public enum GatewayCallStatus
{
    /// <summary>The provider answered in full.</summary>
    Completed,

    /// <summary>The client went away before the answer was complete (the tokens so far are counted).</summary>
    Cancelled,

    /// <summary>The provider refused, failed or timed out (what was delivered before, if anything, is counted).</summary>
    Failed,
}

/// <summary>
/// One finished call of the OpenAI-compatible gateway, as <see cref="GatewayService.CompleteAsync"/> records it.
/// </summary>
/// <param name="Operation"><c>chat.completions</c> or <c>embeddings</c>.</param>
/// <param name="Model">The model's public name.</param>
/// <param name="Request">The request body as the client sent it (the platform's model name).</param>
/// <param name="Answer">The answer's text (the first choice's content, or its tool calls as JSON); null for embeddings and failures.</param>
/// <param name="Error">What went wrong, when <paramref name="Status"/> is <see cref="GatewayCallStatus.Failed"/>.</param>
public sealed record GatewayCall(
    string Operation,
    string Model,
    JsonObject Request,
    string? Answer,
    int PromptTokens,
    int CompletionTokens,
    TimeSpan Latency,
    GatewayCallStatus Status,
    string? Error = null);
