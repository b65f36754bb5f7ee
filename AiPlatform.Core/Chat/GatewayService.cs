using AiPlatform.Core.Access;

namespace AiPlatform.Core.Chat;

/// <summary>
/// The OpenAI-compatible gateway apart from its wire format: the models the caller may use, the caller's daily
/// allowance, the client of a model, and the metering of every call (source <see cref="UsageSource"/>). The Web
/// endpoints only translate HTTP to and from these.
/// </summary>
public sealed class GatewayService(AccessService access, IChatStore store, ProviderService providers, ChatUsageService usage, TimeProvider time, Tracing.PlatformTraces traces)
{
    public const string UsageSource = "gateway";

    /// <summary>The models the caller may use (<see cref="ProviderService.ListUsableAsync"/>).</summary>
    public Task<IReadOnlyList<LlmModel>> ListModelsAsync(CancellationToken ct) => providers.ListUsableAsync(ct);

    /// <summary>Throws <see cref="QuotaExceededException"/> when the caller's daily tokens are used up.</summary>
    public Task EnsureAllowanceAsync(CancellationToken ct) => usage.EnsureAllowanceAsync(ct);

    /// <summary>The model named by the request, if the caller may use it, and its client (every call through it is traced).</summary>
    public async Task<(LlmModel Model, Microsoft.Extensions.AI.IChatClient Client)> GetClientAsync(string? model, CancellationToken ct)
    {
        var (llm, client) = await providers.GetClientAsync(model, ct);
        return (llm, await traces.TraceGatewayAsync(client, llm.Name, ct));
    }

    /// <summary>Records the tokens of one gateway call in the caller's usage.</summary>
    public async Task RecordUsageAsync(string model, int promptTokens, int completionTokens, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        await store.AddUsageAsync(context.UserId, model, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), UsageSource, promptTokens, completionTokens, ct);
    }
}
