using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using Microsoft.Extensions.AI;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace AiPlatform.Core.Chat;

public sealed record ConversationDetails(Conversation Conversation, IReadOnlyList<ConversationMessage> Messages);

/// <summary>
/// Chat: conversations private to their owner, answers streamed from the chosen model. The user's message is saved
/// before the provider is called, so nothing the user typed is lost when the provider is down; a stopped answer is
/// kept as far as it got; a failed one says why. Every answer's tokens go to the usage table.
/// </summary>
public sealed class ChatService(AccessService access, IChatStore store, ProviderService providers, ChatUsageService usage, Knowledge.KnowledgeService knowledge, Knowledge.KnowledgeRetrievalService retrieval, TimeProvider time, LlmCatalog catalog, Tracing.PlatformTraces traces)
{
    public const int MaxMessageLength = 100_000;

    /// <summary>Chunks retrieved per answer from the conversation's knowledge bases.</summary>
    public const int SourcesPerAnswer = 5;

    public async Task<(IReadOnlyList<Conversation> Items, int Total)> ListAsync(string? search, int offset, int limit, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        return await store.ListConversationsAsync(context.UserId, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), Math.Max(0, offset), Math.Clamp(limit, 1, 200), ct);
    }

    public async Task<Conversation> CreateAsync(string? model, string? systemPrompt, string? title, CancellationToken ct) =>
        await CreateAsync(model, systemPrompt, title, null, ct);

    public async Task<Conversation> CreateAsync(string? model, string? systemPrompt, string? title, IReadOnlyCollection<Guid>? knowledgeBases, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var (usable, _) = await providers.GetClientAsync(model, ct);
        var now = time.GetUtcNow();
        var conversation = new Conversation
        {
            Id = Guid.CreateVersion7(now),
            OwnerId = context.UserId,
            Title = string.IsNullOrWhiteSpace(title) ? string.Empty : Limit(title.Trim(), 200),
            Model = usable.Name,
            SystemPrompt = string.IsNullOrWhiteSpace(systemPrompt) ? null : Limit(systemPrompt, 20_000),
            KnowledgeBases = await KnowledgeBasesAsync(knowledgeBases, ct),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.SaveConversationAsync(conversation, true, ct);
        return conversation;
    }

    public async Task<ConversationDetails> GetAsync(Guid id, CancellationToken ct)
    {
        var conversation = await OwnAsync(id, ct);
        return new ConversationDetails(conversation, await store.ListMessagesAsync(id, ct));
    }

    public Task<Conversation> UpdateAsync(Guid id, string? title, string? model, string? systemPrompt, CancellationToken ct) =>
        UpdateAsync(id, title, model, systemPrompt, null, ct);

    /// <summary>Rename, change the model, the system prompt or the knowledge bases (null leaves a field as it is).</summary>
    public async Task<Conversation> UpdateAsync(Guid id, string? title, string? model, string? systemPrompt, IReadOnlyCollection<Guid>? knowledgeBases, CancellationToken ct)
    {
        var conversation = await OwnAsync(id, ct);
        if (knowledgeBases is not null)
        {
            conversation.KnowledgeBases = await KnowledgeBasesAsync(knowledgeBases, ct);
        }

        if (!string.IsNullOrWhiteSpace(title))
        {
            conversation.Title = Limit(title.Trim(), 200);
        }

        if (!string.IsNullOrWhiteSpace(model))
        {
            conversation.Model = (await providers.GetClientAsync(model, ct)).Model.Name;
        }

        if (systemPrompt is not null)
        {
            conversation.SystemPrompt = systemPrompt.Length == 0 ? null : Limit(systemPrompt, 20_000);
        }

        conversation.UpdatedAt = time.GetUtcNow();
        await store.SaveConversationAsync(conversation, false, ct);
        return conversation;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await OwnAsync(id, ct);
        await store.DeleteConversationAsync(id, ct);
    }

    /// <summary>Saves the user's message, then streams the answer through <paramref name="onDelta"/> and saves it.</summary>
    public async Task<ConversationMessage> SendAsync(Guid id, string? text, string? model, Func<string, ValueTask>? onDelta, CancellationToken ct) =>
        (await SendToModelsAsync(id, text, [model], onDelta is null ? null : (_, d) => onDelta(d), ct))[0];

    /// <summary>
    /// Saves the user's message and answers it with each of <paramref name="models"/> at the same time (two: side by
    /// side). The first answer continues the conversation; the others are kept as alternates next to it.
    /// </summary>
    public async Task<IReadOnlyList<ConversationMessage>> SendToModelsAsync(Guid id, string? text, IReadOnlyList<string?> models, Func<int, string, ValueTask>? onDelta, CancellationToken ct)
    {
        var conversation = await OwnAsync(id, ct);
        if (models.Count is 0 or > 2 || (models.Count == 2 && (models[0] ?? conversation.Model) == (models[1] ?? conversation.Model)))
        {
            throw new ValidationException("compareModel", "Compare two different models.") { MessageKey = "Error.Chat.CompareSame" };
        }

        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxMessageLength)
        {
            throw new ValidationException("content", $"A message has 1 to {MaxMessageLength:N0} characters.") { MessageKey = "Error.Chat.MessageLength", MessageArguments = [MaxMessageLength] };
        }

        await usage.EnsureAllowanceAsync(ct);
        var history = await store.ListMessagesAsync(id, ct);
        if (history.Count == 0 && conversation.IsUntitled)
        {
            conversation.Title = Limit(text.Trim().ReplaceLineEndings(" "), 60);
        }

        var clients = await ClientsAsync(conversation, models, ct);
        await store.SaveMessageAsync(new ConversationMessage { Id = NextId(history.LastOrDefault()?.Id), ConversationId = id, Role = "user", Content = text, Status = MessageStatus.Complete, CreatedAt = time.GetUtcNow() }, true, ct);
        return await AnswerAsync(conversation, clients, onDelta, ct);
    }

    /// <summary>Answers the last user message again (the previous answer is replaced).</summary>
    public async Task<ConversationMessage> RegenerateAsync(Guid id, string? model, Func<string, ValueTask>? onDelta, CancellationToken ct)
    {
        var conversation = await OwnAsync(id, ct);
        var messages = await store.ListMessagesAsync(id, ct);
        var lastUser = messages.LastOrDefault(m => m.Role == "user") ?? throw new ConflictException("There is no message to answer again.") { MessageKey = "Error.Chat.NothingToRegenerate" };
        var clients = await ClientsAsync(conversation, [model], ct);
        await store.DeleteMessagesAfterAsync(id, lastUser.Id, inclusive: false, ct);
        return (await AnswerAsync(conversation, clients, Single(onDelta), ct))[0];
    }

    /// <summary>Replaces a user message (and everything after it) and answers it again.</summary>
    public async Task<ConversationMessage> EditAndResendAsync(Guid id, Guid messageId, string? text, Func<string, ValueTask>? onDelta, CancellationToken ct)
    {
        var conversation = await OwnAsync(id, ct);
        var message = (await store.ListMessagesAsync(id, ct)).FirstOrDefault(m => m.Id == messageId && m.Role == "user") ?? throw new NotFoundException("Message", messageId);
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxMessageLength)
        {
            throw new ValidationException("content", $"A message has 1 to {MaxMessageLength:N0} characters.") { MessageKey = "Error.Chat.MessageLength", MessageArguments = [MaxMessageLength] };
        }

        await store.DeleteMessagesAfterAsync(id, messageId, inclusive: false, ct);
        message.Content = text;
        await store.SaveMessageAsync(message, false, ct);
        return (await AnswerAsync(conversation, await ClientsAsync(conversation, [null], ct), Single(onDelta), ct))[0];
    }

    public async Task FeedbackAsync(Guid id, Guid messageId, int value, string? comment, CancellationToken ct)
    {
        await OwnAsync(id, ct);
        var message = (await store.ListMessagesAsync(id, ct)).FirstOrDefault(m => m.Id == messageId && m.Role == "assistant") ?? throw new NotFoundException("Message", messageId);
        message.Feedback = Math.Sign(value);
        message.FeedbackComment = string.IsNullOrWhiteSpace(comment) ? null : Limit(comment.Trim(), 2000);
        await store.SaveMessageAsync(message, false, ct);
    }

    /// <summary>The conversation as Markdown.</summary>
    public async Task<string> ExportAsync(Guid id, CancellationToken ct)
    {
        var (conversation, messages) = await GetAsync(id, ct);
        var text = new StringBuilder();
        if (!conversation.IsUntitled)
        {
            text.Append("# ").AppendLine(conversation.Title).AppendLine();
        }

        if (conversation.SystemPrompt is { } system)
        {
            text.AppendLine("**system**").AppendLine().AppendLine(system).AppendLine();
        }

        foreach (var m in messages)
        {
            text.Append("**").Append(m.Role).Append(m.Model is { } model ? $" ({model})" : string.Empty).AppendLine("**").AppendLine().AppendLine(m.Content).AppendLine();
        }

        return text.ToString();
    }

    private async Task<List<(LlmModel Model, IChatClient Client)>> ClientsAsync(Conversation conversation, IReadOnlyList<string?> models, CancellationToken ct)
    {
        await usage.EnsureAllowanceAsync(ct);
        var clients = new List<(LlmModel, IChatClient)>();
        foreach (var model in models)
        {
            clients.Add(await providers.GetClientAsync(model ?? conversation.Model, ct));
        }

        return clients;
    }

    private static Func<int, string, ValueTask>? Single(Func<string, ValueTask>? onDelta) => onDelta is null ? null : (_, d) => onDelta(d);

    private async Task<IReadOnlyList<ConversationMessage>> AnswerAsync(Conversation conversation, List<(LlmModel Model, IChatClient Client)> clients, Func<int, string, ValueTask>? onDelta, CancellationToken ct)
    {
        var started = time.GetUtcNow();
        var history = (await store.ListMessagesAsync(conversation.Id, ct)).ToList();
        var sent = history.Where(m => !m.Alternate && (m.Status == MessageStatus.Complete || m.Role == "user")).ToList();
        IReadOnlyList<Knowledge.RetrievalHit> hits = [];
        if (conversation.KnowledgeBaseIds.Count > 0 && sent.LastOrDefault(m => m.Role == "user") is { } question)
        {
            hits = await retrieval.RetrieveAsync(conversation.KnowledgeBaseIds, question.Content.Length > 4000 ? question.Content[..4000] : question.Content, SourcesPerAnswer, ct);
        }

        var answers = await Task.WhenAll(clients.Select((c, side) => GenerateAsync(c.Model, c.Client, Prompt(conversation, sent, hits, c.Model), side, onDelta, ct)));
        var previous = history.LastOrDefault()?.Id;
        for (var i = 0; i < answers.Length; i++)
        {
            var answer = answers[i];
            answer.Id = NextId(previous);
            previous = answer.Id;
            answer.ConversationId = conversation.Id;
            answer.Alternate = i > 0;
            await store.SaveMessageAsync(answer, true, CancellationToken.None);
            if (answer.PromptTokens + answer.CompletionTokens > 0)
            {
                await store.AddUsageAsync(conversation.OwnerId, answer.Model!, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), "chat", answer.PromptTokens, answer.CompletionTokens, CancellationToken.None);
            }
        }

        await traces.RecordChatAsync(conversation, sent.LastOrDefault(m => m.Role == "user")?.Content, hits, answers, started);
        conversation.UpdatedAt = time.GetUtcNow();
        await store.SaveConversationAsync(conversation, false, CancellationToken.None);
        return answers;
    }

    /// <summary>
    /// The messages one model is sent: the system prompt, the retrieved sources as numbered system text, the earlier
    /// messages and the question, cut to the model's context window (<see cref="ContextBudget"/>) when it is known.
    /// </summary>
    private static PromptPlan Prompt(Conversation conversation, List<ConversationMessage> sent, IReadOnlyList<Knowledge.RetrievalHit> hits, LlmModel model)
    {
        static string Block(Knowledge.RetrievalHit h, int number) => $"\n[{number}] {h.DocumentName}{(h.Heading is { } heading ? $" — {heading}" : string.Empty)}\n{h.Text}\n";
        var history = sent.Count > 0 ? sent[..^1] : [];
        var question = sent.Count > 0 ? sent[^1].Content : string.Empty;
        var plan = ContextBudget.Plan(
            model.ContextTokens,
            conversation.SystemPrompt is { } s ? ContextBudget.Estimate(s) : 0,
            ContextBudget.Estimate(question),
            ContextBudget.Estimate(SourcesPreamble),
            [.. hits.Select((h, i) => ContextBudget.Estimate(Block(h, i + 1)) - ContextBudget.PerMessage)],
            [.. history.Select(m => (ContextBudget.Estimate(m.Content), m.Role == "user"))],
            ContextBudget.ScaleFor(model.TokenScale));
        if (!plan.Fits)
        {
            var reserve = ContextBudget.AnswerReserve(model.ContextTokens!.Value);
            return new PromptPlan([], null, 0, 0, new ChatFailure(
                $"The message is too long for the model '{model.Name}': about {plan.Tokens:N0} tokens with the system prompt, and its context window of {model.ContextTokens:N0} tokens keeps {reserve:N0} for the answer. Shorten it or choose a model with a larger context.",
                "Error.Chat.TooLong",
                model.Name,
                plan.Tokens.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                model.ContextTokens.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                reserve.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
        }

        var prompt = new List<AiMessage>();
        if (conversation.SystemPrompt is { } system)
        {
            prompt.Add(new AiMessage(ChatRole.System, system));
        }

        var citations = new List<Knowledge.Citation>();
        if (plan.Sources.Count > 0)
        {
            var sources = new StringBuilder(SourcesPreamble);
            foreach (var i in plan.Sources)
            {
                var h = hits[i];
                var number = citations.Count + 1;
                sources.Append(Block(h, number));
                citations.Add(new Knowledge.Citation(number, h.KnowledgeBaseId, h.DocumentId, h.DocumentName, h.ChunkId, h.Ordinal, h.Heading, Limit(h.Text, 400), Math.Round(h.Similarity, 4)));
            }

            prompt.Add(new AiMessage(ChatRole.System, sources.ToString()));
        }

        prompt.AddRange(sent.Skip(plan.HistoryFrom).Select(m => new AiMessage(m.Role == "assistant" ? ChatRole.Assistant : ChatRole.User, m.Content)));
        var citationJson = citations.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(citations, System.Text.Json.JsonSerializerOptions.Web);
        return new PromptPlan(prompt, citationJson, plan.HistoryFrom, ContextBudget.Estimate(string.Concat(prompt.Select(m => m.Text))) + ((prompt.Count - 1) * ContextBudget.PerMessage), null);
    }

    private const string SourcesPreamble = "Answer from the numbered sources below when they are relevant and cite them like [1]. If they do not hold the answer, say so.\n";

    /// <param name="Estimated">The estimate of the whole prompt, to compare with what the provider counts.</param>
    private sealed record PromptPlan(List<AiMessage> Messages, string? Citations, int Omitted, int Estimated, ChatFailure? Refusal);

    /// <summary>Why an answer failed: the English text (the API, logs) and the UI resource that says it in the user's language.</summary>
    private sealed record ChatFailure(string Message, string Key, params string[] Arguments)
    {
        public void ApplyTo(ConversationMessage answer)
        {
            answer.Status = MessageStatus.Failed;
            answer.Error = Limit(Message, 2000);
            answer.ErrorKey = Key;
            answer.ErrorArguments = System.Text.Json.JsonSerializer.Serialize(Arguments);
        }
    }

    private async Task<ConversationMessage> GenerateAsync(LlmModel llm, IChatClient client, PromptPlan plan, int side, Func<int, string, ValueTask>? onDelta, CancellationToken ct)
    {
        var answer = new ConversationMessage { Id = Guid.CreateVersion7(time.GetUtcNow()), Role = "assistant", Content = string.Empty, Model = llm.Name, CreatedAt = time.GetUtcNow(), Citations = plan.Citations, OmittedMessages = plan.Omitted };
        if (plan.Refusal is { } refusal)
        {
            refusal.ApplyTo(answer);
            return answer;
        }

        var prompt = plan.Messages;
        var content = new StringBuilder();
        UsageDetails? reported = null;
        var chunks = 0;
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
            {
                foreach (var u in update.Contents.OfType<UsageContent>())
                {
                    reported = u.Details;
                }

                if (update.Text is { Length: > 0 } delta)
                {
                    chunks++;
                    content.Append(delta);
                    if (onDelta is not null)
                    {
                        await onDelta(side, delta);
                    }
                }
            }

            answer.Status = MessageStatus.Complete;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            answer.Status = MessageStatus.Stopped;
        }
        catch (Exception e)
        {
            new ChatFailure($"The model '{llm.Name}' did not answer: {e.Message}", "Error.Chat.ProviderFailed", llm.Name, Limit(e.Message, 1500)).ApplyTo(answer);
        }

        answer.Content = content.ToString();
        answer.PromptTokens = (int)(reported?.InputTokenCount ?? prompt.Sum(p => p.Text.Length) / 4);
        if (reported?.InputTokenCount is > 0 and var counted && plan.Estimated > 0)
        {
            await store.SetTokenScaleAsync(llm.Id, ContextBudget.Learn(llm.TokenScale, (int)counted, plan.Estimated), CancellationToken.None);
            catalog.Invalidate();
        }

        answer.CompletionTokens = (int)(reported?.OutputTokenCount ?? chunks);
        return answer;
    }

    /// <summary>
    /// A version-7 id that sorts after <paramref name="after"/>: messages are listed by id, and ids made in the same
    /// millisecond are otherwise in random order (two side-by-side answers, a fast failure right after the question).
    /// </summary>
    private Guid NextId(Guid? after)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow());
        for (var tries = 0; after is { } previous && id.CompareTo(previous) <= 0; tries++)
        {
            if (tries == 64)
            {
                // The clock is behind the previous id (a clock change): one past it.
                var bytes = previous.ToByteArray(bigEndian: true);
                for (var i = 15; i >= 8 && ++bytes[i] == 0; i--)
                {
                }

                return new Guid(bytes, bigEndian: true);
            }

            id = Guid.CreateVersion7(time.GetUtcNow());
        }

        return id;
    }

    private async Task<string?> KnowledgeBasesAsync(IReadOnlyCollection<Guid>? ids, CancellationToken ct)
    {
        if (ids is null || ids.Count == 0)
        {
            return null;
        }

        if (ids.Count > 10)
        {
            throw new ValidationException("knowledgeBases", "A conversation draws on at most 10 knowledge bases.") { MessageKey = "Error.Chat.TooManyKnowledgeBases" };
        }

        foreach (var id in ids.Distinct())
        {
            await knowledge.GetAsync(id, ct); // 404 for what the caller cannot read
        }

        return string.Join(',', ids.Distinct().Select(g => g.ToString("N")));
    }

    private async Task<Conversation> OwnAsync(Guid id, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var conversation = await store.FindConversationAsync(id, ct);
        return conversation is not null && conversation.OwnerId == context.UserId ? conversation : throw new NotFoundException("Conversation", id);
    }

    private static string Limit(string text, int max) => text.Length > max ? text[..max] : text;
}
