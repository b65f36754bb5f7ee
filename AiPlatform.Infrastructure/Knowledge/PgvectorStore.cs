using System.Globalization;
using System.Text;
using AiPlatform.Core.Knowledge;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AiPlatform.Infrastructure.Knowledge;

/// <summary>
/// Vectors in PostgreSQL with the pgvector extension: table <c>knowledge_vectors</c> (created on first use with the
/// extension) and one HNSW index (cosine) per embedding dimension, as a partial expression index. Searches set
/// <c>hnsw.ef_search</c> and, on pgvector 0.8+, iterative index scans so the per-knowledge-base filter still
/// returns k rows.
/// </summary>
public sealed class PgvectorStore(string connectionString, ILogger<PgvectorStore> logger) : IExternalVectorStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);
    private readonly SemaphoreSlim _schema = new(1, 1);
    private readonly HashSet<int> _indexedDimensions = [];
    private bool _ready;
    private bool _iterative;

    public string Name => "pgvector";

    public async Task UpsertAsync(Guid kbId, Guid documentId, IReadOnlyList<(Guid ChunkId, float[] Vector)> vectors, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        foreach (var dims in vectors.Select(v => v.Vector.Length).Distinct())
        {
            await EnsureIndexAsync(dims, ct);
        }

        await using var connection = await _source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var batch in vectors.Chunk(200))
        {
            var sql = new StringBuilder("INSERT INTO knowledge_vectors (chunk_id, kb_id, document_id, dims, embedding) VALUES ");
            await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
            for (var i = 0; i < batch.Length; i++)
            {
                sql.Append(i == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"(@c{i}, @k, @d, @n{i}, @e{i}::vector)");
                command.Parameters.AddWithValue($"c{i}", batch[i].ChunkId);
                command.Parameters.AddWithValue($"n{i}", batch[i].Vector.Length);
                command.Parameters.AddWithValue($"e{i}", Literal(batch[i].Vector));
            }

            sql.Append(" ON CONFLICT (chunk_id) DO UPDATE SET kb_id = excluded.kb_id, document_id = excluded.document_id, dims = excluded.dims, embedding = excluded.embedding");
            command.CommandText = sql.ToString();
            command.Parameters.AddWithValue("k", kbId);
            command.Parameters.AddWithValue("d", documentId);
            await command.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    public async Task DeleteDocumentAsync(Guid kbId, Guid documentId, IReadOnlyCollection<Guid> keep, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var command = _source.CreateCommand("DELETE FROM knowledge_vectors WHERE kb_id = @k AND document_id = @d AND NOT (chunk_id = ANY(@keep))");
        command.Parameters.AddWithValue("k", kbId);
        command.Parameters.AddWithValue("d", documentId);
        command.Parameters.AddWithValue("keep", keep.ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task DeleteKnowledgeBaseAsync(Guid kbId, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var command = _source.CreateCommand("DELETE FROM knowledge_vectors WHERE kb_id = @k");
        command.Parameters.AddWithValue("k", kbId);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<(Guid ChunkId, double Similarity)>> SearchAsync(Guid kbId, float[] query, int k, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        var dims = query.Length.ToString(CultureInfo.InvariantCulture);
        await using var connection = await _source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var settings = new NpgsqlCommand($"SET LOCAL hnsw.ef_search = {Math.Clamp(k * 2, 40, 1000)}{(_iterative ? "; SET LOCAL hnsw.iterative_scan = relaxed_order" : string.Empty)}", connection, transaction))
        {
            await settings.ExecuteNonQueryAsync(ct);
        }

        await using var command = new NpgsqlCommand(
            $"SELECT chunk_id, 1 - (embedding::vector({dims}) <=> @q::vector({dims})) FROM knowledge_vectors WHERE kb_id = @k AND dims = {dims} ORDER BY embedding::vector({dims}) <=> @q::vector({dims}) LIMIT @n",
            connection,
            transaction);
        command.Parameters.AddWithValue("q", Literal(query));
        command.Parameters.AddWithValue("k", kbId);
        command.Parameters.AddWithValue("n", k);
        var hits = new List<(Guid, double)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                hits.Add((reader.GetGuid(0), reader.GetDouble(1)));
            }
        }

        await transaction.CommitAsync(ct);
        return [.. hits.OrderByDescending(h => h.Item2)];
    }

    public async ValueTask DisposeAsync() => await _source.DisposeAsync();

    private async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_ready)
        {
            return;
        }

        await _schema.WaitAsync(ct);
        try
        {
            if (_ready)
            {
                return;
            }

            await using (var create = _source.CreateCommand(
                "CREATE EXTENSION IF NOT EXISTS vector; " +
                "CREATE TABLE IF NOT EXISTS knowledge_vectors (chunk_id uuid PRIMARY KEY, kb_id uuid NOT NULL, document_id uuid NOT NULL, dims integer NOT NULL, embedding vector NOT NULL); " +
                "CREATE INDEX IF NOT EXISTS knowledge_vectors_document ON knowledge_vectors (kb_id, document_id)"))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await using (var version = _source.CreateCommand("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
            {
                var text = (string?)await version.ExecuteScalarAsync(ct) ?? "0";
                _iterative = Version.TryParse(text, out var v) && v >= new Version(0, 8);
                logger.LogInformation("Knowledge vectors in pgvector {Version}.", text);
            }

            _ready = true;
        }
        catch (PostgresException e)
        {
            throw new InvalidOperationException($"pgvector is not usable on the configured database: {e.MessageText}. Install the extension or set Knowledge:VectorStore to InProcess.", e);
        }
        finally
        {
            _schema.Release();
        }
    }

    private async Task EnsureIndexAsync(int dims, CancellationToken ct)
    {
        lock (_indexedDimensions)
        {
            if (_indexedDimensions.Contains(dims))
            {
                return;
            }
        }

        if (dims is < 1 or > 2000)
        {
            throw new InvalidOperationException($"pgvector's HNSW index takes up to 2,000 dimensions; this model gives {dims}.");
        }

        var d = dims.ToString(CultureInfo.InvariantCulture);
        await using var command = _source.CreateCommand($"CREATE INDEX IF NOT EXISTS knowledge_vectors_hnsw_{d} ON knowledge_vectors USING hnsw ((embedding::vector({d})) vector_cosine_ops) WHERE dims = {d}");
        await command.ExecuteNonQueryAsync(ct);
        lock (_indexedDimensions)
        {
            _indexedDimensions.Add(dims);
        }
    }

    private static string Literal(float[] vector)
    {
        var text = new StringBuilder(vector.Length * 10).Append('[');
        for (var i = 0; i < vector.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ",").Append(vector[i].ToString("R", CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }
}
