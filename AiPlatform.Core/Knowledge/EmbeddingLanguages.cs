namespace AiPlatform.Core.Knowledge;

/// <summary>Where the languages an embedding model serves come from.</summary>
public enum EmbeddingLanguageSource
{
    /// <summary>The built-in all-MiniLM-L6-v2: English.</summary>
    BuiltIn,

    /// <summary>Set by an administrator on the model (Admin › LLM providers, or <c>PUT /api/v1/llm/models/{id}</c>).</summary>
    Configured,

    /// <summary>Not set, but the provider's model id names a family whose languages are known (bge-m3, multilingual-e5, Qwen embeddings, …).</summary>
    KnownFamily,

    /// <summary>Neither: retrieval assumes the model serves every language and the page says it is not recorded.</summary>
    Unknown,
}

/// <summary>The languages a knowledge base's embedding model serves (<see cref="TextLanguage"/> codes, or <c>*</c> for all).</summary>
public sealed record EmbeddingLanguageInfo(string Model, IReadOnlyList<string> Languages, EmbeddingLanguageSource Source)
{
    public bool ServesAll => Languages.Contains(EmbeddingLanguages.Any);

    /// <summary>True when the model serves <paramref name="language"/>; a text without letters (null) is served by any model.</summary>
    public bool Serves(string? language) => language is null || ServesAll || Languages.Contains(language, StringComparer.Ordinal);
}

/// <summary>
/// The languages embedding models serve: the built-in MiniLM serves English; a provider's model serves what an
/// administrator recorded on it, else what its family is known to serve, else (unknown) everything.
/// </summary>
public static class EmbeddingLanguages
{
    /// <summary>Every language.</summary>
    public const string Any = "*";

    public const int MaxLength = 64;

    // Checked in order against the lower-cased provider model id (its last path segment, so "BAAI/bge-m3" and
    // "hf.co/BAAI/bge-m3:latest" match too); the first family that matches decides.
    private static readonly (string Contains, string[] Languages)[] Families =
    [
        ("multilingual", [Any]),              // multilingual-e5-*, paraphrase-multilingual-*, distiluse-base-multilingual-*
        ("bge-m3", [Any]),
        ("labse", [Any]),
        ("qwen", [Any]),                      // Qwen3-Embedding-*, gte-Qwen2-*-instruct
        ("jina-embeddings-v3", [Any]),
        ("jina-embeddings-v4", [Any]),
        ("text-embedding-3", [Any]),          // OpenAI
        ("text-embedding-ada-002", [Any]),
        ("text-embedding-v", [Any]),          // DashScope text-embedding-v1..v4
        ("embedding-2", [Any]),               // Zhipu embedding-2/3
        ("embedding-3", [Any]),
        ("gemini-embedding", [Any]),
        ("text-multilingual-embedding", [Any]),
        ("embed-multilingual", [Any]),        // Cohere
        ("voyage-3", [Any]),
        ("voyage-multilingual", [Any]),
        ("mistral-embed", [Any]),
        ("snowflake-arctic-embed2", [Any]),
        ("snowflake-arctic-embed-l-v2", [Any]),
        ("granite-embedding-278m-multilingual", [Any]),
        ("-zh", [TextLanguage.Chinese, TextLanguage.English]), // bge-large-zh-v1.5, text2vec-base-chinese-*
        ("chinese", [TextLanguage.Chinese, TextLanguage.English]),
        ("m3e", [TextLanguage.Chinese, TextLanguage.English]),
        ("conan-embedding", [TextLanguage.Chinese, TextLanguage.English]),
        ("all-minilm", [TextLanguage.English]),
        ("minilm", [TextLanguage.English]),
        ("nomic-embed-text", [TextLanguage.English]),
        ("mxbai-embed", [TextLanguage.English]),
        ("snowflake-arctic-embed", [TextLanguage.English]),
        ("bge-", [TextLanguage.English]),     // bge-small/base/large-en(-v1.5)
        ("e5-", [TextLanguage.English]),
        ("gte-", [TextLanguage.English]),
        ("embed-english", [TextLanguage.English]),
    ];

    /// <summary>The languages of the built-in model.</summary>
    public static EmbeddingLanguageInfo BuiltIn { get; } = new(KnowledgeBase.LocalEmbedding, [TextLanguage.English], EmbeddingLanguageSource.BuiltIn);

    /// <summary>What the family of <paramref name="providerModelId"/> is known to serve, or null when it is not a known family.</summary>
    public static IReadOnlyList<string>? ForFamily(string providerModelId)
    {
        var id = providerModelId.Trim().ToLowerInvariant();
        id = id[(id.LastIndexOf('/') + 1)..];
        foreach (var (contains, languages) in Families)
        {
            if (id.Contains(contains, StringComparison.Ordinal))
            {
                return languages;
            }
        }

        return null;
    }

    /// <summary>
    /// The languages of a provider's model: <paramref name="configured"/> (a comma-separated list as stored on the
    /// model) when set, else its family's, else unknown (every language).
    /// </summary>
    public static EmbeddingLanguageInfo Describe(string name, string providerModelId, string? configured)
    {
        if (Parse(configured) is { Count: > 0 } set)
        {
            return new EmbeddingLanguageInfo(name, set, EmbeddingLanguageSource.Configured);
        }

        return ForFamily(providerModelId) is { } family
            ? new EmbeddingLanguageInfo(name, family, EmbeddingLanguageSource.KnownFamily)
            : new EmbeddingLanguageInfo(name, [Any], EmbeddingLanguageSource.Unknown);
    }

    /// <summary>
    /// A stored or typed list ("en, zh", "*") as distinct codes in <see cref="TextLanguage.All"/> order; null or blank is
    /// empty; <c>*</c> anywhere means every language. Unknown codes are an error for <see cref="Normalize"/>, skipped here.
    /// </summary>
    public static IReadOnlyList<string> Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }

        var codes = value.Split([',', ' ', ';', '，'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        return codes.Contains(Any) ? [Any] : [.. TextLanguage.All.Where(codes.Contains)];
    }

    /// <summary>The longest list <see cref="Normalize"/> reads; longer input is refused before it is parsed.</summary>
    public const int MaxInputLength = 256;

    /// <summary>At most this many characters of a refused code are echoed in the error.</summary>
    public const int MaxEchoedLength = 32;

    /// <summary>
    /// The canonical stored form of a list an administrator typed ("zh,en" → "en,zh"), null when blank; throws
    /// <see cref="Common.ValidationException"/> naming a code that is neither <c>*</c> nor one of <see cref="TextLanguage.All"/>
    /// (at most its first <see cref="MaxEchoedLength"/> characters), or the start of input longer than <see cref="MaxInputLength"/>.
    /// </summary>
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.Length > MaxInputLength)
        {
            throw Invalid(value.Trim());
        }

        var unknown = value.Split([',', ' ', ';', '，'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToLowerInvariant())
            .FirstOrDefault(c => c != Any && !TextLanguage.IsKnown(c));
        if (unknown is not null)
        {
            throw Invalid(unknown);
        }

        return string.Join(',', Parse(value));
    }

    private static Common.ValidationException Invalid(string code)
    {
        // Cut between, never inside, a surrogate pair.
        var cut = code.Length > MaxEchoedLength && char.IsHighSurrogate(code[MaxEchoedLength - 1]) ? MaxEchoedLength - 1 : MaxEchoedLength;
        var shown = code.Length > MaxEchoedLength ? code[..cut] + "…" : code;
        return new Common.ValidationException("embeddingLanguages", $"'{shown}' is not a language code retrieval knows: use * (every language) or any of {string.Join(", ", TextLanguage.All)}.")
        {
            MessageKey = "Error.Llm.EmbeddingLanguages",
            MessageArguments = [shown, string.Join(", ", TextLanguage.All)],
        };
    }
}
