namespace AiPlatform.Core.Data;

public enum DataSourceKind
{
    /// <summary>A PostgreSQL database: import tables or read-only queries.</summary>
    Postgres,

    /// <summary>An S3/MinIO bucket (Database = bucket, UserName = access key, Password = secret key): import the files under a prefix.</summary>
    S3,
}
