namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Hybrid fusion of the vector and keyword lists: weighted reciprocal rank where the embedding model serves the
/// languages involved, keyword-led where it does not. The defaults are chosen from the measurements on the English and
/// Chinese test corpora (docs/user-guide/knowledge.md shows the table).
/// </summary>
public static class HybridFusion
{
    /// <summary>The reciprocal-rank constant.</summary>
    public const int RrfK = 60;

    /// <summary>The vector list's share when a knowledge base does not set one (see <see cref="KnowledgeBase.VectorWeight"/>).</summary>
    public const double DefaultVectorWeight = 0.5;
}
