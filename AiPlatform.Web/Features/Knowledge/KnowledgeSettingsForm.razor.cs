using AiPlatform.Core.Knowledge;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>A knowledge base's settings: name, description, chunking, embedding model and relevance threshold.</summary>
public partial class KnowledgeSettingsForm
{
    [Parameter, EditorRequired]
    public Model Input { get; set; } = default!;

    [Parameter]
    public IReadOnlyList<string> EmbeddingModels { get; set; } = [KnowledgeBase.LocalEmbedding];

    /// <summary>The form's values, as the page edits them.</summary>
    public sealed class Model
    {
        public string? Name { get; set; }

        public string? Description { get; set; }

        public int ChunkSize { get; set; } = 1000;

        public int ChunkOverlap { get; set; } = 150;

        public bool SplitByHeadings { get; set; } = true;

        public string EmbeddingModel { get; set; } = KnowledgeBase.LocalEmbedding;

        public double RelevanceThreshold { get; set; } = 0.2;

        public static Model From(KnowledgeBase kb) => new()
        {
            Name = kb.Name,
            Description = kb.Description,
            ChunkSize = kb.ChunkSize,
            ChunkOverlap = kb.ChunkOverlap,
            SplitByHeadings = kb.SplitByHeadings,
            EmbeddingModel = kb.EmbeddingModel,
            RelevanceThreshold = kb.RelevanceThreshold,
        };

        public KnowledgeBaseInput ToInput() => new(Name, Description, ChunkSize, ChunkOverlap, SplitByHeadings, EmbeddingModel, RelevanceThreshold);
    }
}
