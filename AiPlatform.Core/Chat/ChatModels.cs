using AiPlatform.Core.Access;

namespace AiPlatform.Core.Chat;

/// <summary>An OpenAI-compatible endpoint (Ollama, vLLM, OpenAI, LiteLLM); its API key is encrypted at rest and never returned.</summary>
public sealed class LlmProvider
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The OpenAI base URL, e.g. <c>http://ollama:11434/v1</c>.</summary>
    public required string BaseUrl { get; set; }

    public string? ApiKeyProtected { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A model of a provider as the platform offers it: a securable object; usable when enabled and granted (or open to all).</summary>
public sealed class LlmModel : IOwnedObject
{
    public Guid Id { get; set; }

    public Guid ProviderId { get; set; }

    /// <summary>The provider's own model id.</summary>
    public required string ModelId { get; set; }

    /// <summary>The name clients use (the gateway's <c>model</c>); unique on the installation.</summary>
    public required string Name { get; set; }

    public bool Enabled { get; set; }

    /// <summary>Every user with <c>chat.use</c> may use it; otherwise only those granted Read.</summary>
    public bool OpenToAll { get; set; }

    /// <summary>
    /// The model's context window in tokens, read from the provider's model list where it says (vLLM
    /// <c>max_model_len</c>, llama.cpp, LM Studio, OpenRouter) or set by an administrator; chat fits what it sends
    /// into it. Null: unknown, everything is sent and the provider decides.
    /// </summary>
    public int? ContextTokens { get; set; }

    /// <summary>
    /// Tokens the provider counted per token of <see cref="ContextBudget.Estimate"/>, a moving average over the
    /// answers that reported usage; null until the first. Lets chat use the window as the model's tokenizer does.
    /// </summary>
    public double? TokenScale { get; set; }

    /// <summary>
    /// When the model is used for embeddings: the languages it serves, comma-separated <see cref="Knowledge.TextLanguage"/>
    /// codes or <c>*</c>; null: known from its family where it is one (<see cref="Knowledge.EmbeddingLanguages"/>), else unknown.
    /// </summary>
    public string? EmbeddingLanguages { get; set; }

    /// <summary>What the model serves as an embedding model and where that comes from: <see cref="EmbeddingLanguages"/>, else its family, else unknown.</summary>
    public Knowledge.EmbeddingLanguageInfo EffectiveEmbeddingLanguages => Knowledge.EmbeddingLanguages.Describe(Name, ModelId, EmbeddingLanguages);

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A user's conversation; private to its owner.</summary>
public sealed class Conversation
{
    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>
    /// The title; empty until the first message names the conversation (or the owner does). Pages show an empty title
    /// as "New chat" in the user's language, so no language is stored.
    /// </summary>
    public required string Title { get; set; }

    /// <summary>No title yet: the first message will give it one.</summary>
    public bool IsUntitled => string.IsNullOrWhiteSpace(Title);

    /// <summary>The <see cref="LlmModel.Name"/> answering by default.</summary>
    public required string Model { get; set; }

    public string? SystemPrompt { get; set; }

    /// <summary>Knowledge bases answers draw on, comma-separated ids (empty: none).</summary>
    public string? KnowledgeBases { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public IReadOnlyList<Guid> KnowledgeBaseIds =>
        string.IsNullOrEmpty(KnowledgeBases) ? [] : [.. KnowledgeBases.Split(',').Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty)];
}

/// <summary>A saved prompt: the owner's own, or shared with every chat user.</summary>
public sealed class PromptTemplate
{
    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    public required string Name { get; set; }

    public required string Content { get; set; }

    /// <summary>Visible to every chat user (only its owner or an admin changes it).</summary>
    public bool Shared { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public enum MessageStatus
{
    Complete,
    Stopped,
    Failed,
}

public sealed class ConversationMessage
{
    public Guid Id { get; set; }

    public Guid ConversationId { get; set; }

    /// <summary>user, assistant or system.</summary>
    public required string Role { get; set; }

    public required string Content { get; set; }

    public string? Model { get; set; }

    public MessageStatus Status { get; set; }

    public string? Error { get; set; }

    /// <summary>The UI resource that says <see cref="Error"/> in the user's language (null: only the English text).</summary>
    public string? ErrorKey { get; set; }

    /// <summary>The placeholders of <see cref="ErrorKey"/>, a JSON array of strings.</summary>
    public string? ErrorArguments { get; set; }

    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    /// <summary>+1 thumbs up, -1 thumbs down, 0 none.</summary>
    public int Feedback { get; set; }

    public string? FeedbackComment { get; set; }

    /// <summary>The second answer of a side-by-side comparison: shown next to the first, never sent back to a model.</summary>
    public bool Alternate { get; set; }

    /// <summary>The knowledge-base chunks the answer was given (JSON array of <see cref="Knowledge.Citation"/>).</summary>
    public string? Citations { get; set; }

    /// <summary>Earlier messages of the conversation left out of the prompt to fit the model's context window.</summary>
    public int OmittedMessages { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Tokens used per user, model, day and source (chat or gateway).</summary>
public sealed class LlmUsage
{
    public Guid UserId { get; set; }

    public required string Model { get; set; }

    public DateOnly Day { get; set; }

    public required string Source { get; set; }

    public long Requests { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }
}

/// <summary>A daily token allowance for a user or a group (a user's own quota wins; else the most generous of their groups').</summary>
public sealed class LlmQuota
{
    public Guid Id { get; set; }

    public PrincipalType PrincipalType { get; set; }

    public Guid PrincipalId { get; set; }

    /// <summary>Prompt + completion tokens per UTC day, over chat and gateway.</summary>
    public long TokensPerDay { get; set; }
}
