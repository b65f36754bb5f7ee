using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Chat;

/// <summary>LLM providers (admin), usable models, conversations with streamed answers, usage.</summary>
public static class ChatEndpoints
{
    public static void MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        var providers = app.MapGroup("/api/v1/llm/providers").WithTags("LLM providers");
        providers.MapGet("/", ListProvidersAsync).WithName("ListLlmProviders").WithSummary("Providers with their models; API keys are never returned (hasApiKey only).");
        providers.MapPost("/", CreateProviderAsync).WithName("CreateLlmProvider");
        providers.MapPut("/{id:guid}", UpdateProviderAsync).WithName("UpdateLlmProvider").WithSummary("An empty apiKey keeps the stored key; \"-\" removes it.");
        providers.MapDelete("/{id:guid}", DeleteProviderAsync).WithName("DeleteLlmProvider");
        providers.MapPost("/{id:guid}/sync", SyncModelsAsync).WithName("SyncLlmProviderModels").WithSummary("Lists the provider's models (tests the connection) and adds new ones, disabled.");

        var models = app.MapGroup("/api/v1/llm/models").WithTags("LLM providers");
        models.MapGet("/", ListUsableModelsAsync).WithName("ListUsableLlmModels");
        models.MapPut("/{id:guid}", UpdateModelAsync)
            .WithName("UpdateLlmModel")
            .WithSummary("Enable a model, for everyone with chat.use or only for those granted Read, and set its context window (tokens; null when unknown) and, when it embeds, the languages it serves (embeddingLanguages: \"en,zh\" or \"*\"; \"\" clears them so its family decides; absent keeps them). Listings show effectiveEmbeddingLanguages with their source.");
        models.MapGrantEndpoints(SecurableTypes.LlmModel, "LlmModel");

        var conversations = app.MapGroup("/api/v1/conversations").WithTags("Chat");
        conversations.MapGet("/", ListConversationsAsync).WithName("ListConversations").WithSummary("Your conversations, newest first; q searches titles and messages.");
        conversations.MapPost("/", CreateConversationAsync).WithName("CreateConversation");
        conversations.MapGet("/{id:guid}", GetConversationAsync).WithName("GetConversation");
        conversations.MapPatch("/{id:guid}", UpdateConversationAsync)
            .WithName("UpdateConversation").WithSummary("Rename, change the model, the system prompt or the knowledge bases (an empty list detaches them).");
        conversations.MapDelete("/{id:guid}", DeleteConversationAsync).WithName("DeleteConversation");
        conversations.MapGet("/{id:guid}/export", ExportConversationAsync).WithName("ExportConversation");
        conversations.MapPost("/{id:guid}/messages", SendMessageAsync)
            .WithName("SendMessage")
            .WithSummary("Saves your message and answers it (with citations when the conversation has knowledge bases); compareModel answers with a second model side by side; stream=true sends Server-Sent Events (delta, then the saved answer).");
        conversations.MapPost("/{id:guid}/regenerate", RegenerateAsync).WithName("RegenerateAnswer");
        conversations.MapPut("/{id:guid}/messages/{messageId:guid}", EditAndResendAsync).WithName("EditAndResendMessage");
        conversations.MapPost("/{id:guid}/messages/{messageId:guid}/feedback", RateAnswerAsync).WithName("RateAnswer");

        var templates = app.MapGroup("/api/v1/prompt-templates").WithTags("Chat");
        templates.MapGet("/", ListTemplatesAsync).WithName("ListPromptTemplates").WithSummary("Your templates and the shared ones.");
        templates.MapPost("/", CreateTemplateAsync).WithName("CreatePromptTemplate");
        templates.MapPut("/{id:guid}", UpdateTemplateAsync).WithName("UpdatePromptTemplate");
        templates.MapDelete("/{id:guid}", DeleteTemplateAsync).WithName("DeletePromptTemplate");

        app.MapGet("/api/v1/llm/quotas", ListQuotasAsync).WithTags("LLM providers").WithName("ListLlmQuotas");
        app.MapPut("/api/v1/llm/quotas", SetQuotaAsync)
            .WithTags("LLM providers").WithName("SetLlmQuota").WithSummary("Daily tokens for a user or group (a user's own quota wins, else the most generous group's); 0 removes it.");
        app.MapGet("/api/v1/llm/quota", GetMyQuotaAsync).WithTags("LLM providers").WithName("GetMyLlmQuota");
        app.MapGet("/api/v1/llm/usage", GetUsageAsync)
            .WithTags("LLM providers").WithName("GetLlmUsage").WithSummary("Tokens by user, model and day; all=true (administrators) for everyone.");
    }

    private static async Task<Ok<IReadOnlyList<ProviderView>>> ListProvidersAsync(ProviderService p, CancellationToken ct) => TypedResults.Ok(await p.ListProvidersAsync(ct));

    private static async Task<Created<ProviderView>> CreateProviderAsync(ProviderInput body, ProviderService p, CancellationToken ct)
    {
        var created = await p.CreateProviderAsync(body, ct);
        return TypedResults.Created($"/api/v1/llm/providers/{created.Id}", created);
    }

    private static async Task<Ok<ProviderView>> UpdateProviderAsync(Guid id, ProviderInput body, ProviderService p, CancellationToken ct) => TypedResults.Ok(await p.UpdateProviderAsync(id, body, ct));

    private static async Task<NoContent> DeleteProviderAsync(Guid id, ProviderService p, CancellationToken ct)
    {
        await p.DeleteProviderAsync(id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<LlmModel>>> SyncModelsAsync(Guid id, ProviderService p, CancellationToken ct) => TypedResults.Ok(await p.SyncModelsAsync(id, ct));

    private static async Task<Ok<IReadOnlyList<LlmModel>>> ListUsableModelsAsync(ProviderService p, CancellationToken ct) => TypedResults.Ok(await p.ListUsableAsync(ct));

    private static async Task<Ok<LlmModel>> UpdateModelAsync(Guid id, ModelSettings body, ProviderService p, CancellationToken ct) =>
        TypedResults.Ok(body.EmbeddingLanguages is null
            ? await p.SetModelAsync(id, body.Enabled, body.OpenToAll, body.ContextTokens, ct)
            : await p.SetModelAsync(id, body.Enabled, body.OpenToAll, body.ContextTokens, body.EmbeddingLanguages, ct));

    private static async Task<Ok<Paged<Conversation>>> ListConversationsAsync(ChatService c, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null)
    {
        var request = paging.ToRequest(200);
        var (items, total) = await c.ListAsync(q, request.Skip, request.Take, ct);
        return TypedResults.Ok(Paged<Conversation>.Of(items, total, request));
    }

    private static async Task<Created<Conversation>> CreateConversationAsync(ConversationInput body, ChatService c, CancellationToken ct)
    {
        var created = await c.CreateAsync(body.Model, body.SystemPrompt, body.Title, body.KnowledgeBases, ct);
        return TypedResults.Created($"/api/v1/conversations/{created.Id}", created);
    }

    private static async Task<Ok<ConversationDetails>> GetConversationAsync(Guid id, ChatService c, CancellationToken ct) => TypedResults.Ok(await c.GetAsync(id, ct));

    private static async Task<Ok<Conversation>> UpdateConversationAsync(Guid id, ConversationInput body, ChatService c, CancellationToken ct) =>
        TypedResults.Ok(await c.UpdateAsync(id, body.Title, body.Model, body.SystemPrompt, body.KnowledgeBases, ct));

    private static async Task<NoContent> DeleteConversationAsync(Guid id, ChatService c, CancellationToken ct)
    {
        await c.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<ContentHttpResult> ExportConversationAsync(Guid id, ChatService c, CancellationToken ct) => TypedResults.Text(await c.ExportAsync(id, ct), "text/markdown");

    private static Task<IResult> SendMessageAsync(Guid id, MessageInput body, HttpContext http, ChatService c) => body.CompareModel is null
        ? AnswerAsync(http, body.Stream, delta => c.SendAsync(id, body.Content, body.Model, delta, http.RequestAborted))
        : CompareAsync(http, body.Stream, delta => c.SendToModelsAsync(id, body.Content, [body.Model, body.CompareModel], delta, http.RequestAborted));

    private static Task<IResult> RegenerateAsync(Guid id, MessageInput body, HttpContext http, ChatService c) =>
        AnswerAsync(http, body.Stream, delta => c.RegenerateAsync(id, body.Model, delta, http.RequestAborted));

    private static Task<IResult> EditAndResendAsync(Guid id, Guid messageId, MessageInput body, HttpContext http, ChatService c) =>
        AnswerAsync(http, body.Stream, delta => c.EditAndResendAsync(id, messageId, body.Content, delta, http.RequestAborted));

    private static async Task<NoContent> RateAnswerAsync(Guid id, Guid messageId, FeedbackInput body, ChatService c, CancellationToken ct)
    {
        await c.FeedbackAsync(id, messageId, body.Value, body.Comment, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<PromptTemplate>>> ListTemplatesAsync(PromptTemplateService t, CancellationToken ct) => TypedResults.Ok(await t.ListAsync(ct));

    private static async Task<Created<PromptTemplate>> CreateTemplateAsync(PromptTemplateInput body, PromptTemplateService t, CancellationToken ct)
    {
        var created = await t.CreateAsync(body, ct);
        return TypedResults.Created($"/api/v1/prompt-templates/{created.Id}", created);
    }

    private static async Task<Ok<PromptTemplate>> UpdateTemplateAsync(Guid id, PromptTemplateInput body, PromptTemplateService t, CancellationToken ct) => TypedResults.Ok(await t.UpdateAsync(id, body, ct));

    private static async Task<NoContent> DeleteTemplateAsync(Guid id, PromptTemplateService t, CancellationToken ct)
    {
        await t.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<LlmQuota>>> ListQuotasAsync(ChatUsageService u, CancellationToken ct) => TypedResults.Ok(await u.ListQuotasAsync(ct));

    private static async Task<NoContent> SetQuotaAsync(QuotaInput body, ChatUsageService u, CancellationToken ct)
    {
        await u.SetQuotaAsync(body.PrincipalType, body.PrincipalId, body.TokensPerDay, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<QuotaView>> GetMyQuotaAsync(ChatUsageService u, CancellationToken ct)
    {
        var (limit, used, resets) = await u.RemainingAsync(ct);
        return TypedResults.Ok(new QuotaView(limit, used, resets));
    }

    private static async Task<Ok<IReadOnlyList<LlmUsage>>> GetUsageAsync(ChatUsageService u, CancellationToken ct, int days = 30, bool all = false) => TypedResults.Ok(await u.ListAsync(days, all, ct));

    /// <summary>Two answers at once; with stream, deltas carry <c>side</c> (0 or 1) and a <c>messages</c> event ends the stream.</summary>
    private static async Task<IResult> CompareAsync(HttpContext http, bool stream, Func<Func<int, string, ValueTask>?, Task<IReadOnlyList<ConversationMessage>>> answer)
    {
        if (!stream)
        {
            return TypedResults.Ok(await answer(null));
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var gate = new SemaphoreSlim(1, 1);
        var messages = await answer(async (side, delta) =>
        {
            await gate.WaitAsync(http.RequestAborted);
            try
            {
                await http.Response.WriteAsync($"event: delta\ndata: {JsonSerializer.Serialize(new { side, content = delta })}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
            finally
            {
                gate.Release();
            }
        });
        if (!http.RequestAborted.IsCancellationRequested)
        {
            await http.Response.WriteAsync($"event: messages\ndata: {JsonSerializer.Serialize(messages, JsonSerializerOptions.Web)}\n\n");
        }

        return Results.Empty;
    }

    /// <summary>Runs an answer; with stream, sends each delta as an SSE event and the saved message last.</summary>
    private static async Task<IResult> AnswerAsync(HttpContext http, bool stream, Func<Func<string, ValueTask>?, Task<ConversationMessage>> answer)
    {
        if (!stream)
        {
            return TypedResults.Ok(await answer(null));
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var message = await answer(async delta =>
        {
            await http.Response.WriteAsync($"event: delta\ndata: {JsonSerializer.Serialize(new { content = delta })}\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        });
        if (!http.RequestAborted.IsCancellationRequested)
        {
            await http.Response.WriteAsync($"event: message\ndata: {JsonSerializer.Serialize(message, JsonSerializerOptions.Web)}\n\n");
        }

        return Results.Empty;
    }
}

/// <param name="ContextTokens">The context window; absent or null: unknown.</param>
/// <param name="EmbeddingLanguages">Language codes or <c>*</c>; an empty string clears them (the family decides); absent or null keeps the recorded ones.</param>
public sealed record ModelSettings(bool Enabled, bool OpenToAll, int? ContextTokens = null, string? EmbeddingLanguages = null);

public sealed record QuotaInput(PrincipalType PrincipalType, Guid PrincipalId, long TokensPerDay);

public sealed record ConversationInput(string? Model, string? SystemPrompt, string? Title, IReadOnlyList<Guid>? KnowledgeBases = null);

public sealed record MessageInput(string? Content, string? Model, bool Stream = false, string? CompareModel = null);

public sealed record FeedbackInput(int Value, string? Comment);

/// <summary>The caller's daily allowance: null limit when none applies.</summary>
public sealed record QuotaView(long? Limit, long Used, DateTimeOffset ResetsAt);
