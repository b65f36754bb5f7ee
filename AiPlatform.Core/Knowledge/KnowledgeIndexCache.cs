using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Knowledge;

/// <summary>
/// The in-process indexes of every knowledge base this node has queried: an HNSW graph for vectors and BM25 for
/// keywords, numbered alike. The database is the truth: before a query the index compares the knowledge base's
/// <see cref="KnowledgeBase.IndexVersion"/> with what it holds and adds or removes the difference, so several nodes
/// stay correct without talking to each other. The graph is written to a snapshot so a restart does not rebuild it.
/// </summary>
public sealed class KnowledgeIndexCache(IIndexSnapshotStore snapshots, ILogger<KnowledgeIndexCache> logger, IEnumerable<IExternalVectorStore>? external = null)
{
    private readonly IExternalVectorStore? _external = external?.FirstOrDefault();

    /// <summary>The external vector store in use, or null for the in-process graph.</summary>
    public IExternalVectorStore? External => _external;

    private readonly ConcurrentDictionary<Guid, KnowledgeIndex> _indexes = new();

    public void Drop(Guid kbId)
    {
        _indexes.TryRemove(kbId, out _);
        snapshots.Delete(kbId);
    }

    public async Task<KnowledgeIndex> GetAsync(KnowledgeBase kb, IKnowledgeStore store, int dimension, CancellationToken ct)
    {
        var index = _indexes.GetOrAdd(kb.Id, id => _external is null ? KnowledgeIndex.Open(id, dimension, snapshots, logger) : new KnowledgeIndex(id, dimension, _external));
        if (index.Dimension != dimension)
        {
            // The embedding model changed: start over.
            index = new KnowledgeIndex(kb.Id, dimension, _external);
            _indexes[kb.Id] = index;
        }

        await index.SyncAsync(kb.IndexVersion, store, snapshots, ct);
        return index;
    }
}
