using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Chat apps as models of the OpenAI-compatible gateway (<c>app:{slug}</c>): the published chat apps the caller may
/// read are listed, and a chat completion naming one runs its published version (source <c>gateway</c>, with the
/// publisher's rights) with the request's last user message as the question and the earlier user/assistant pairs as
/// the conversation's memory.
/// </summary>
public sealed class AppGatewayService(AccessService access, AppService apps, IAppStore store, AppRunService runs)
{
    public const string ModelPrefix = "app:";

    /// <summary>How many readable apps the model list looks through (newest change first).</summary>
    public const int MaxListed = 500;

    public static bool IsAppModel(string? model) => model is { Length: > 4 } && model.StartsWith(ModelPrefix, StringComparison.Ordinal);

    /// <summary>The published chat apps the caller may read, as models.</summary>
    public async Task<IReadOnlyList<App>> ListModelsAsync(CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var readable = await store.ListReadableAsync(context, null, new PageRequest(0, MaxListed), ct);
        return [.. readable.Items.Where(a => a.Kind == AppKind.Chat && a.PublishedVersionId is not null).OrderBy(a => a.Slug, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Runs the chat app a model names: 404 when the caller may not read it, 400 naming the model when it is a
    /// workflow app (only chat apps answer messages), 409 before its first publish.
    /// </summary>
    public async Task<AppRun> CompleteAsync(string model, string query, IReadOnlyList<AppChatTurn> history, System.Text.Json.Nodes.JsonObject? inputs, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct)
    {
        var slug = model[ModelPrefix.Length..];
        var (app, _) = await apps.RequireBySlugAsync(slug, PermissionLevel.Read, ct);
        if (app.Kind != AppKind.Chat)
        {
            throw new ValidationException("model", $"The model '{model}' is a workflow app; only chat apps answer chat completions (run it with POST /api/v1/apps/{slug}/run).")
            {
                MessageKey = "Apps.Gateway.Error.NotChat",
                MessageArguments = [model],
            };
        }

        return await runs.RunPublishedAsync(slug, new AppRunInput(inputs, query) { History = history }, AppRunSources.Gateway, onEvent, ct);
    }
}
