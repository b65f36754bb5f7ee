using AiPlatform.Core.Knowledge;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>What the retrieval console was asked and answered.</summary>
public sealed class RetrievalConsole
{
    public string? Query { get; set; }

    public RetrievalMode Mode { get; set; } = RetrievalMode.Hybrid;

    public int TopK { get; set; } = 5;

    public double Threshold { get; set; } = 0.2;

    /// <summary>The vector ranking's share in hybrid mode; null uses the knowledge base's.</summary>
    public double? VectorWeight { get; set; }

    /// <summary>The last answer: the hits and why they are in that order.</summary>
    public RetrievalResult? Result { get; set; }

    /// <summary>The question <see cref="Result"/> answers (the console compares it with the question being typed).</summary>
    public string? ResultQuery { get; set; }
}
