namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Hierarchical navigable small-world graph (Malkov &amp; Yashunin) over unit vectors, similarity = dot product.
/// Nodes are numbered in insertion order; removal is a tombstone (the node still routes searches, it is never returned).
/// Not thread-safe for writers: callers hold a writer lock around <see cref="Add"/> and a reader lock around searches.
/// </summary>
public sealed class HnswIndex
{
    private const int FormatVersion = 1;
    private readonly List<float[]> _vectors = [];
    private readonly List<int[][]> _links = [];
    private readonly List<int[]> _linkCounts = [];
    private readonly HashSet<int> _deleted = [];
    private readonly Random _random;
    private int _entry = -1;
    private int _maxLevel = -1;

    public HnswIndex(int dimension, int m = 16, int efConstruction = 128, int seed = 42)
    {
        Dimension = dimension;
        M = m;
        EfConstruction = efConstruction;
        _random = new Random(seed);
    }

    public int Dimension { get; }

    public int M { get; }

    public int EfConstruction { get; }

    public int Count => _vectors.Count;

    public int LiveCount => _vectors.Count - _deleted.Count;

    public int DeletedCount => _deleted.Count;

    public float[] Vector(int node) => _vectors[node];

    public bool IsDeleted(int node) => _deleted.Contains(node);

    public void Remove(int node) => _deleted.Add(node);

    public int Add(float[] vector)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"Expected {Dimension} dimensions, got {vector.Length}.", nameof(vector));
        }

        var node = _vectors.Count;
        var level = (int)Math.Floor(-Math.Log(1 - _random.NextDouble()) / Math.Log(M));
        _vectors.Add(vector);
        var links = new int[level + 1][];
        for (var l = 0; l <= level; l++)
        {
            links[l] = new int[MaxLinks(l) + 1];
        }

        _links.Add(links);
        _linkCounts.Add(new int[level + 1]);
        if (_entry < 0)
        {
            _entry = node;
            _maxLevel = level;
            return node;
        }

        var current = _entry;
        for (var l = _maxLevel; l > level; l--)
        {
            current = Greedy(vector, current, l);
        }

        for (var l = Math.Min(level, _maxLevel); l >= 0; l--)
        {
            var candidates = SearchLayer(vector, [current], EfConstruction, l, includeDeleted: true);
            var selected = SelectNeighbours(candidates, M);
            foreach (var (neighbour, _) in selected)
            {
                Connect(node, neighbour, l);
                Connect(neighbour, node, l);
            }

            current = candidates[0].Node;
        }

        if (level > _maxLevel)
        {
            _maxLevel = level;
            _entry = node;
        }

        return node;
    }

    /// <summary>The <paramref name="k"/> most similar live nodes, best first.</summary>
    public IReadOnlyList<(int Node, float Similarity)> Search(ReadOnlySpan<float> query, int k, int ef)
    {
        if (_entry < 0 || LiveCount == 0)
        {
            return [];
        }

        var q = query.ToArray();
        var current = _entry;
        for (var l = _maxLevel; l > 0; l--)
        {
            current = Greedy(q, current, l);
        }

        var found = SearchLayer(q, [current], Math.Max(ef, k), 0, includeDeleted: false);
        return found.Count > k ? found.GetRange(0, k) : found;
    }

    /// <summary>Exact search over every live vector (the baseline the graph is measured against).</summary>
    public IReadOnlyList<(int Node, float Similarity)> SearchExact(ReadOnlySpan<float> query, int k)
    {
        var heap = new PriorityQueue<int, float>();
        for (var n = 0; n < _vectors.Count; n++)
        {
            if (_deleted.Contains(n))
            {
                continue;
            }

            var s = VectorMath.Dot(query, _vectors[n]);
            if (heap.Count < k)
            {
                heap.Enqueue(n, s);
            }
            else if (heap.TryPeek(out _, out var worst) && s > worst)
            {
                heap.DequeueEnqueue(n, s);
            }
        }

        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var n, out var s))
        {
            result.Add((n, s));
        }

        result.Reverse();
        return result;
    }

    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(FormatVersion);
        w.Write(Dimension);
        w.Write(M);
        w.Write(EfConstruction);
        w.Write(_vectors.Count);
        w.Write(_entry);
        w.Write(_maxLevel);
        for (var n = 0; n < _vectors.Count; n++)
        {
            foreach (var x in _vectors[n])
            {
                w.Write(x);
            }

            w.Write(_links[n].Length);
            for (var l = 0; l < _links[n].Length; l++)
            {
                var count = _linkCounts[n][l];
                w.Write(count);
                for (var i = 0; i < count; i++)
                {
                    w.Write(_links[n][l][i]);
                }
            }
        }

        w.Write(_deleted.Count);
        foreach (var d in _deleted)
        {
            w.Write(d);
        }
    }

    public static HnswIndex Load(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (r.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException("Unknown index format.");
        }

        var index = new HnswIndex(r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
        var count = r.ReadInt32();
        index._entry = r.ReadInt32();
        index._maxLevel = r.ReadInt32();
        for (var n = 0; n < count; n++)
        {
            var v = new float[index.Dimension];
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = r.ReadSingle();
            }

            index._vectors.Add(v);
            var levels = r.ReadInt32();
            var links = new int[levels][];
            var counts = new int[levels];
            for (var l = 0; l < levels; l++)
            {
                links[l] = new int[index.MaxLinks(l) + 1];
                counts[l] = r.ReadInt32();
                for (var i = 0; i < counts[l]; i++)
                {
                    links[l][i] = r.ReadInt32();
                }
            }

            index._links.Add(links);
            index._linkCounts.Add(counts);
        }

        var deleted = r.ReadInt32();
        for (var i = 0; i < deleted; i++)
        {
            index._deleted.Add(r.ReadInt32());
        }

        return index;
    }

    private int MaxLinks(int level) => level == 0 ? 2 * M : M;

    private int Greedy(float[] q, int start, int level)
    {
        var current = start;
        var best = VectorMath.Dot(q, _vectors[current]);
        var changed = true;
        while (changed)
        {
            changed = false;
            var links = _links[current];
            if (level >= links.Length)
            {
                break;
            }

            for (var i = 0; i < _linkCounts[current][level]; i++)
            {
                var n = links[level][i];
                var s = VectorMath.Dot(q, _vectors[n]);
                if (s > best)
                {
                    best = s;
                    current = n;
                    changed = true;
                }
            }
        }

        return current;
    }

    /// <summary>Beam search on one layer; the result is sorted best first.</summary>
    private List<(int Node, float Similarity)> SearchLayer(float[] q, int[] entries, int ef, int level, bool includeDeleted)
    {
        var visited = new HashSet<int>();
        var candidates = new PriorityQueue<int, float>(); // best first (negated)
        var results = new PriorityQueue<int, float>();    // worst first
        var liveResults = 0;
        foreach (var e in entries)
        {
            visited.Add(e);
            var s = VectorMath.Dot(q, _vectors[e]);
            candidates.Enqueue(e, -s);
            results.Enqueue(e, s);
            liveResults += includeDeleted || !_deleted.Contains(e) ? 1 : 0;
        }

        while (candidates.TryDequeue(out var c, out var negative))
        {
            results.TryPeek(out _, out var worst);
            if (-negative < worst && results.Count >= ef)
            {
                break;
            }

            var links = _links[c];
            if (level >= links.Length)
            {
                continue;
            }

            for (var i = 0; i < _linkCounts[c][level]; i++)
            {
                var n = links[level][i];
                if (!visited.Add(n))
                {
                    continue;
                }

                var s = VectorMath.Dot(q, _vectors[n]);
                results.TryPeek(out _, out worst);
                if (results.Count < ef || s > worst)
                {
                    candidates.Enqueue(n, -s);
                    results.Enqueue(n, s);
                    if (results.Count > ef)
                    {
                        results.Dequeue();
                    }
                }
            }
        }

        var list = new List<(int, float)>(results.Count);
        while (results.TryDequeue(out var n, out var s))
        {
            if (includeDeleted || !_deleted.Contains(n))
            {
                list.Add((n, s));
            }
        }

        list.Reverse();
        return list;
    }

    /// <summary>The neighbour-selection heuristic: keep a candidate only if it is closer to the new node than to any kept one; top up with the nearest.</summary>
    private List<(int Node, float Similarity)> SelectNeighbours(List<(int Node, float Similarity)> sorted, int max)
    {
        var kept = new List<(int Node, float Similarity)>(max);
        var skipped = new List<(int Node, float Similarity)>();
        foreach (var candidate in sorted)
        {
            if (kept.Count >= max)
            {
                break;
            }

            var good = true;
            foreach (var k in kept)
            {
                if (VectorMath.Dot(_vectors[candidate.Node], _vectors[k.Node]) > candidate.Similarity)
                {
                    good = false;
                    break;
                }
            }

            (good ? kept : skipped).Add(candidate);
        }

        for (var i = 0; i < skipped.Count && kept.Count < max; i++)
        {
            kept.Add(skipped[i]);
        }

        return kept;
    }

    private void Connect(int from, int to, int level)
    {
        var links = _links[from][level];
        var counts = _linkCounts[from];
        var max = MaxLinks(level);
        if (counts[level] < max)
        {
            links[counts[level]++] = to;
            return;
        }

        // Full: re-select among the current links plus the new one.
        var v = _vectors[from];
        var all = new List<(int Node, float Similarity)>(max + 1) { (to, VectorMath.Dot(v, _vectors[to])) };
        for (var i = 0; i < counts[level]; i++)
        {
            all.Add((links[i], VectorMath.Dot(v, _vectors[links[i]])));
        }

        all.Sort((a, b) => b.Similarity.CompareTo(a.Similarity));
        var kept = SelectNeighbours(all, max);
        for (var i = 0; i < kept.Count; i++)
        {
            links[i] = kept[i].Node;
        }

        counts[level] = kept.Count;
    }
}
