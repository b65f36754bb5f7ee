namespace AiPlatform.Core.Knowledge;

/// <summary>The chunks of a knowledge base in one language, as the store counts them.</summary>
/// <param name="Language">A <see cref="TextLanguage"/> code; null for chunks without letters.</param>
/// <param name="Characters">The characters of the chunks' text.</param>
public sealed record KnowledgeLanguageCount(string? Language, int Chunks, long Characters);

/// <summary>One language of a knowledge base: its chunks, characters, share of the characters and whether the embedding model serves it.</summary>
public sealed record KnowledgeLanguageShare(string? Language, int Chunks, long Characters, double Share, bool Served);

/// <summary>
/// The languages of a knowledge base's text against the languages its embedding model serves. <see cref="Warning"/>
/// when most of the text (by characters) is in languages the model does not serve: vectors then carry little meaning,
/// hybrid search ranks by keywords, and a model that serves <see cref="DominantUnserved"/> would retrieve by meaning.
/// </summary>
/// <param name="Languages">Largest first.</param>
/// <param name="Embedder">The languages the knowledge base's embedding model serves.</param>
/// <param name="UnservedShare">The share of characters (0 to 1) in languages <see cref="Embedder"/> does not serve.</param>
/// <param name="DominantUnserved">The unserved language with the most characters; null when every language is served.</param>
/// <param name="Suggestions">
/// Provider models the caller may use whose recorded or family languages serve <see cref="DominantUnserved"/> (empty when
/// there is none, or the caller may not chat).
/// </param>
public sealed record KnowledgeLanguageReport(
    Guid KnowledgeBaseId,
    string EmbeddingModel,
    IReadOnlyList<KnowledgeLanguageShare> Languages,
    long Characters,
    EmbeddingLanguageInfo Embedder,
    double UnservedShare,
    string? DominantUnserved,
    IReadOnlyList<EmbeddingLanguageInfo> Suggestions)
{
    /// <summary>More than this share of the characters unserved is a warning.</summary>
    public const double WarningShare = 0.5;

    public bool Warning => UnservedShare > WarningShare;

    /// <summary>The language with the most characters; null for an empty knowledge base.</summary>
    public string? Dominant => Languages.Count == 0 ? null : Languages[0].Language;
}
