namespace AiPlatform.Infrastructure.Knowledge;

public enum VectorStoreKind
{
    /// <summary>HNSW graph in each node's memory, persisted to the data folder (the embedded default).</summary>
    InProcess,

    /// <summary>PostgreSQL with the pgvector extension.</summary>
    Pgvector,
}

/// <summary>Section <c>Knowledge</c>.</summary>
public sealed class KnowledgeOptions
{
    public const string Section = "Knowledge";

    public VectorStoreKind VectorStore { get; set; } = VectorStoreKind.InProcess;

    /// <summary>The pgvector database; defaults to the platform's own when it is PostgreSQL.</summary>
    public string? PgvectorConnectionString { get; set; }
}
