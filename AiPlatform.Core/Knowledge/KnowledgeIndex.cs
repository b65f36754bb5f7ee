using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Knowledge;

/// <summary>One knowledge base's index on this node: the HNSW graph (or the external vector store) and BM25, kept in step with the database.</summary>
public sealed class KnowledgeIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly SemaphoreSlim _sync = new(1, 1);
    private readonly List<Guid> _chunkOf = [];
    private readonly Dictionary<Guid, int> _nodeOf = [];
    private readonly Dictionary<Guid, string?> _languageOf = [];
    private HnswIndex _graph;
    private Bm25Index _keywords = new();
    private bool _keywordsLoaded;
    private readonly IExternalVectorStore? _external;
    private DateTime _savedAt;
    private long _version = -1;

    internal KnowledgeIndex(Guid kbId, int dimension, IExternalVectorStore? external = null)
    {
        KnowledgeBaseId = kbId;
        Dimension = dimension;
        _external = external;
        _graph = new HnswIndex(dimension);
    }

    public Guid KnowledgeBaseId { get; }

    public int Dimension { get; }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _nodeOf.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    internal static KnowledgeIndex Open(Guid kbId, int dimension, IIndexSnapshotStore snapshots, ILogger logger)
    {
        var index = new KnowledgeIndex(kbId, dimension);
        try
        {
            using var stream = snapshots.OpenRead(kbId);
            if (stream is null)
            {
                return index;
            }

            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            var version = reader.ReadInt64();
            var count = reader.ReadInt32();
            var chunks = new List<Guid>(count);
            for (var i = 0; i < count; i++)
            {
                chunks.Add(new Guid(reader.ReadBytes(16)));
            }

            var graph = HnswIndex.Load(stream);
            if (graph.Dimension != dimension || graph.Count != count)
            {
                return index;
            }

            index._graph = graph;
            index._chunkOf.AddRange(chunks);
            for (var n = 0; n < chunks.Count; n++)
            {
                if (!graph.IsDeleted(n))
                {
                    index._nodeOf[chunks[n]] = n;
                }
            }

            index._version = version;
            index._keywordsLoaded = false;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            logger.LogWarning(e, "The index snapshot of knowledge base {KnowledgeBase} is unreadable; rebuilding it.", kbId);
            index = new KnowledgeIndex(kbId, dimension);
        }

        return index;
    }

    /// <summary>Brings the index to <paramref name="version"/>: adds chunks it lacks, removes those gone; rebuilds when a third is tombstones.</summary>
    public async Task SyncAsync(long version, IKnowledgeStore store, IIndexSnapshotStore snapshots, CancellationToken ct)
    {
        if (Volatile.Read(ref _version) == version && _keywordsLoaded)
        {
            return;
        }

        await _sync.WaitAsync(ct);
        try
        {
            if (_version == version && _keywordsLoaded)
            {
                return;
            }

            var (current, ids) = await store.ListChunkIdsAsync(KnowledgeBaseId, ct);
            var wanted = ids.ToHashSet();
            var removed = _nodeOf.Keys.Where(id => !wanted.Contains(id)).ToList();
            var rebuild = _graph.DeletedCount + removed.Count > Math.Max(1000, wanted.Count / 3);
            if (rebuild)
            {
                var fresh = new KnowledgeIndex(KnowledgeBaseId, Dimension, _external);
                await fresh.AddChunksAsync(ids, store, ct);
                _lock.EnterWriteLock();
                try
                {
                    (_graph, _keywords) = (fresh._graph, fresh._keywords);
                    _chunkOf.Clear();
                    _chunkOf.AddRange(fresh._chunkOf);
                    _nodeOf.Clear();
                    foreach (var (k, v) in fresh._nodeOf)
                    {
                        _nodeOf[k] = v;
                    }

                    _languageOf.Clear();
                    foreach (var (k, v) in fresh._languageOf)
                    {
                        _languageOf[k] = v;
                    }
                }
                finally
                {
                    _lock.ExitWriteLock();
                }
            }
            else
            {
                _lock.EnterWriteLock();
                try
                {
                    foreach (var id in removed)
                    {
                        var node = _nodeOf[id];
                        _graph.Remove(node);
                        _keywords.Remove(node);
                        _nodeOf.Remove(id);
                        _languageOf.Remove(id);
                    }
                }
                finally
                {
                    _lock.ExitWriteLock();
                }

                if (!_keywordsLoaded)
                {
                    // From a snapshot: the graph is there, the keyword index is rebuilt from the chunks' text.
                    var live = _nodeOf.Keys.ToList();
                    for (var i = 0; i < live.Count; i += 2000)
                    {
                        var batch = await store.LoadChunksAsync(live.GetRange(i, Math.Min(2000, live.Count - i)), ct);
                        _lock.EnterWriteLock();
                        try
                        {
                            foreach (var c in batch)
                            {
                                _keywords.Add(_nodeOf[c.Id], KeywordText(c));
                                _languageOf[c.Id] = LanguageOf(c);
                            }
                        }
                        finally
                        {
                            _lock.ExitWriteLock();
                        }
                    }
                }

                await AddChunksAsync(ids.Where(id => !_nodeOf.ContainsKey(id)).ToList(), store, ct);
            }

            _keywordsLoaded = true;
            Volatile.Write(ref _version, current);
            // Large graphs are written at most every 30 s (a snapshot a little behind is brought up to date on load).
            if (_external is null && (_graph.LiveCount < 20_000 || DateTime.UtcNow - _savedAt > TimeSpan.FromSeconds(30)))
            {
                SaveSnapshot(snapshots);
                _savedAt = DateTime.UtcNow;
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>
    /// Candidates for a question: the vector list (graph or external store) and the keyword list, each
    /// <c>max(4k, 20)</c> deep, ranked by <see cref="HybridFusion.Fuse"/> with the chunks' languages, best first.
    /// The caller applies the threshold and keeps k.
    /// </summary>
    /// <param name="query">The question's vector.</param>
    /// <param name="text">The question.</param>
    /// <param name="k">How many hits the caller keeps.</param>
    /// <param name="mode">Hybrid, Vector or Keyword.</param>
    /// <param name="embedder">The languages the knowledge base's embedding model serves.</param>
    /// <param name="questionLanguage">The question's <see cref="TextLanguage"/>.</param>
    /// <param name="vectorWeight">The vector list's share in fused ranking.</param>
    /// <param name="ct">Cancels the external store's search.</param>
    public async Task<IReadOnlyList<IndexHit>> SearchAsync(float[] query, string text, int k, RetrievalMode mode, EmbeddingLanguageInfo embedder, string? questionLanguage, double vectorWeight, CancellationToken ct)
    {
        var depth = Math.Max(k * 4, 20);
        IReadOnlyList<(Guid ChunkId, double Similarity)> vector = [];
        if (mode != RetrievalMode.Keyword)
        {
            vector = _external is not null ? await _external.SearchAsync(KnowledgeBaseId, query, depth, ct) : Graph(query, depth);
        }

        _lock.EnterReadLock();
        try
        {
            // A chunk the external store knows but this index has not loaded yet has no language here: it is treated as served.
            IReadOnlyList<(Guid ChunkId, double Score)> keyword = mode == RetrievalMode.Vector ? [] : [.. _keywords.Search(text, depth).Select(h => (_chunkOf[h.Node], h.Score))];
            return HybridFusion.Fuse(vector, keyword, id => _languageOf.GetValueOrDefault(id), embedder, questionLanguage, mode, vectorWeight);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private List<(Guid ChunkId, double Similarity)> Graph(float[] query, int depth)
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _graph.Search(query, depth, Math.Max(depth * 2, 100)).Select(h => (_chunkOf[h.Node], (double)h.Similarity))];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Exact cosine top-k over every live vector (the benchmark's baseline).</summary>
    public IReadOnlyList<Guid> SearchExact(float[] query, int k)
    {
        _lock.EnterReadLock();
        try
        {
            return _graph.SearchExact(query, k).Select(h => _chunkOf[h.Node]).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<Guid> SearchVector(float[] query, int k, int ef)
    {
        _lock.EnterReadLock();
        try
        {
            return _graph.Search(query, k, ef).Select(h => _chunkOf[h.Node]).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    internal static string KeywordText(KnowledgeChunk c) => c.Heading is null ? c.Text : $"{c.Heading}\n{c.Text}";

    /// <summary>The chunk's recorded language, or (for chunks stored before it was recorded) the language of its text.</summary>
    internal static string? LanguageOf(KnowledgeChunk c) => c.Language ?? TextLanguage.Detect(KeywordText(c));

    private async Task AddChunksAsync(IReadOnlyList<Guid> ids, IKnowledgeStore store, CancellationToken ct)
    {
        for (var i = 0; i < ids.Count; i += 2000)
        {
            var batch = await store.LoadChunksAsync(ids.Skip(i).Take(2000).ToList(), ct);
            _lock.EnterWriteLock();
            try
            {
                foreach (var c in batch)
                {
                    var vector = VectorMath.FromBytes(c.Embedding);
                    if (vector.Length != Dimension)
                    {
                        continue;
                    }

                    // With an external store the vectors live there; node numbers still pair chunks with BM25.
                    var node = _external is null ? _graph.Add(vector) : _chunkOf.Count;
                    _chunkOf.Add(c.Id);
                    _nodeOf[c.Id] = node;
                    _keywords.Add(node, KeywordText(c));
                    _languageOf[c.Id] = LanguageOf(c);
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    private void SaveSnapshot(IIndexSnapshotStore snapshots)
    {
        _lock.EnterReadLock();
        try
        {
            snapshots.Write(KnowledgeBaseId, stream =>
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(_version);
                    writer.Write(_chunkOf.Count);
                    foreach (var id in _chunkOf)
                    {
                        writer.Write(id.ToByteArray());
                    }
                }

                _graph.Save(stream);
            });
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
