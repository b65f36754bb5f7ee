using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Chat;

/// <summary>
/// The OpenAI-compatible gateway apart from its wire format: the models the caller may use, the caller's daily
/// allowance, where a model is served, the faithful forwarding of a request body to it, the built-in embedder, and
/// the end of every call (<see cref="CompleteAsync"/>: metering, source <see cref="UsageSource"/>). The Web endpoints
/// only translate HTTP to and from these.
/// </summary>
public sealed class GatewayService(AccessService access, IChatStore store, ProviderService providers, ChatUsageService usage, ILlmConnector connector, ILocalEmbedder local, TimeProvider time, Tracing.PlatformTraces traces)
{
    public const string UsageSource = "gateway";

    /// <summary>The built-in embedding model's name in the gateway (all-MiniLM-L6-v2, in process).</summary>
    public const string LocalEmbeddingModel = KnowledgeBase.LocalEmbedding;

    /// <summary>The dimensions of <see cref="LocalEmbeddingModel"/>'s vectors.</summary>
    public const int LocalEmbeddingDimensions = 384;

    /// <summary>The models the caller may use (<see cref="ProviderService.ListUsableAsync"/>).</summary>
    public Task<IReadOnlyList<LlmModel>> ListModelsAsync(CancellationToken ct) => providers.ListUsableAsync(ct);

    /// <summary>Throws <see cref="QuotaExceededException"/> when the caller's daily tokens are used up.</summary>
    public Task EnsureAllowanceAsync(CancellationToken ct) => usage.EnsureAllowanceAsync(ct);

    /// <summary>The model named by the request, if the caller may use it (404 otherwise), and where it is served.</summary>
    public Task<(LlmModel Model, ProviderEndpoint Endpoint)> GetEndpointAsync(string? model, CancellationToken ct) => providers.GetEndpointAsync(model, ct);

    /// <summary>Sends a request body, as it is, to the provider (see <see cref="ILlmConnector.PostAsync"/>).</summary>
    public Task<JsonObject> ForwardAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct) => connector.PostAsync(endpoint, path, body, ct);

    /// <summary>Sends a request body, as it is, to the provider and streams its answer (see <see cref="ILlmConnector.StreamAsync"/>).</summary>
    public IAsyncEnumerable<JsonObject> ForwardStreamAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct) => connector.StreamAsync(endpoint, path, body, ct);

    /// <summary>Embeds texts with the built-in model; it takes the right to use the gateway (chat.use).</summary>
    public async Task<float[][]> EmbedLocallyAsync(IReadOnlyList<string> texts, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        return await local.EmbedAsync(texts, ct);
    }

    /// <summary>
    /// The one place where every gateway call ends, answered, stopped or failed: the tokens of an answered or stopped
    /// call count in the caller's usage (and so in their daily quota), and so do those of a call that failed after
    /// part of its answer was delivered; every call, failed ones too, is traced.
    /// </summary>
    public async Task CompleteAsync(GatewayCall call, CancellationToken ct)
    {
        await traces.RecordGatewayAsync(call);
        if (call.Status == GatewayCallStatus.Failed && call.PromptTokens == 0 && call.CompletionTokens == 0)
        {
            return;
        }

        var context = await access.RequireContextAsync(ct);
        await store.AddUsageAsync(context.UserId, call.Model, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), UsageSource, call.PromptTokens, call.CompletionTokens, ct);
    }
}
