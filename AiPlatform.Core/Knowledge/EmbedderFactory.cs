using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using Microsoft.Extensions.AI;

namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Local model, or a provider's <c>/v1/embeddings</c> for a platform model name. Embedding through a provider's model
/// takes the same right as chatting with it (chat.use, and the model open to all or granted), checked for the user the
/// work is done for; its tokens count in that user's usage and daily quota like chat's.
/// </summary>
public sealed class EmbedderFactory(ILocalEmbedder local, IChatStore chat, IAccessStore accessStore, ILlmConnector connector, ISecretProtector secrets, TimeProvider time) : IEmbedderFactory
{
    public const string UsageSource = "embedding";

    public async Task<IEmbedder> GetAsync(string embeddingModel, Guid userId, CancellationToken ct)
    {
        if (embeddingModel == KnowledgeBase.LocalEmbedding)
        {
            return local;
        }

        var context = await accessStore.LoadContextAsync(userId, ct);
        var model = await chat.FindModelByNameAsync(embeddingModel, ct);
        if (context is null || model is null || !await MayUseAsync(context, model, ct))
        {
            throw new ForbiddenException($"'{embeddingModel}' is not a model {context?.UserName ?? "this user"} may use: embedding through a provider's model takes the same right as chatting with it.")
            {
                MessageKey = "Error.Kb.EmbeddingNotAllowed",
                MessageArguments = [embeddingModel],
            };
        }

        var provider = await chat.FindProviderAsync(model.ProviderId, ct) ?? throw new NotFoundException("Provider", model.ProviderId);
        if (!model.Enabled || !provider.Enabled)
        {
            throw new ProviderUnavailableException($"The embedding model '{embeddingModel}' is disabled.") { MessageKey = "Error.Kb.EmbeddingDisabled", MessageArguments = [embeddingModel] };
        }

        var key = provider.ApiKeyProtected is { } p ? secrets.Unprotect(p) : null;
        return new ProviderEmbedder(embeddingModel, connector.CreateEmbeddingGenerator(provider.BaseUrl, key, model.ModelId), chat, time, context);
    }

    public async Task<EmbeddingLanguageInfo> DescribeAsync(string embeddingModel, CancellationToken ct) =>
        embeddingModel == KnowledgeBase.LocalEmbedding
            ? EmbeddingLanguages.BuiltIn
            : await chat.FindModelByNameAsync(embeddingModel, ct) is { } model
                ? EmbeddingLanguages.Describe(model.Name, model.ModelId, model.EmbeddingLanguages)
                : new EmbeddingLanguageInfo(embeddingModel, [EmbeddingLanguages.Any], EmbeddingLanguageSource.Unknown);

    /// <summary>The rule of <see cref="ProviderService.ListUsableAsync"/>, for any user.</summary>
    private async Task<bool> MayUseAsync(AccessContext context, LlmModel model, CancellationToken ct) =>
        context.Has(Capabilities.ChatUse)
        && (model.OpenToAll || context.SeesEverything || model.OwnerId == context.UserId
            || await accessStore.GetGrantedLevelAsync(context, SecurableTypes.LlmModel, model.Id, ct) is not null);

    private sealed class ProviderEmbedder(string name, IEmbeddingGenerator<string, Embedding<float>> generator, IChatStore chat, TimeProvider time, AccessContext user) : IEmbedder
    {
        public string Name => name;

        public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct)
        {
            await ChatUsageService.EnsureAllowanceAsync(chat, time, user, ct);
            GeneratedEmbeddings<Embedding<float>> result;
            try
            {
                result = await generator.GenerateAsync(texts, cancellationToken: ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new ProviderUnavailableException($"The embedding model '{name}' did not answer: {e.Message}") { MessageKey = "Error.Kb.EmbeddingFailed", MessageArguments = [name, e.Message] };
            }

            // Providers that do not report usage are charged an estimate (about four characters a token).
            var tokens = result.Usage?.InputTokenCount is { } counted and > 0 ? counted : texts.Sum(t => (long)(t.Length / 4) + 1);
            await chat.AddUsageAsync(user.UserId, name, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), UsageSource, (int)Math.Min(tokens, int.MaxValue), 0, CancellationToken.None);
            return [.. result.Select(e => VectorMath.Normalize(e.Vector.ToArray()))];
        }
    }
}
