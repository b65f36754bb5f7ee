using AiPlatform.Core.Knowledge;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>A knowledge base's settings: name, description, chunking, embedding model (with the languages it serves), relevance threshold and vector weight.</summary>
public partial class KnowledgeSettingsForm
{
    [Parameter, EditorRequired]
    public Model Input { get; set; } = default!;

    [Parameter]
    public IReadOnlyList<string> EmbeddingModels { get; set; } = [KnowledgeBase.LocalEmbedding];

    /// <summary>The languages of the models in <see cref="EmbeddingModels"/> (and of the knowledge base's own), by name.</summary>
    [Parameter]
    public IReadOnlyDictionary<string, EmbeddingLanguageInfo> EmbeddingLanguages { get; set; } = new Dictionary<string, EmbeddingLanguageInfo>();

    private EmbeddingLanguageInfo? Describe(string model) =>
        model == KnowledgeBase.LocalEmbedding ? Core.Knowledge.EmbeddingLanguages.BuiltIn : EmbeddingLanguages.GetValueOrDefault(model);

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

        /// <summary>Null: the default weight.</summary>
        public double? VectorWeight { get; set; }

        public static Model From(KnowledgeBase kb) => new()
        {
            Name = kb.Name,
            Description = kb.Description,
            ChunkSize = kb.ChunkSize,
            ChunkOverlap = kb.ChunkOverlap,
            SplitByHeadings = kb.SplitByHeadings,
            EmbeddingModel = kb.EmbeddingModel,
            RelevanceThreshold = kb.RelevanceThreshold,
            VectorWeight = kb.VectorWeight,
        };

        public KnowledgeBaseInput ToInput() => new(Name, Description, ChunkSize, ChunkOverlap, SplitByHeadings, EmbeddingModel, RelevanceThreshold, VectorWeight);
    }
}
