namespace AiPlatform.Core.Data;

public enum DataSourceKind
{
    /// <summary>A PostgreSQL database: import tables or read-only queries.</summary>
    Postgres,

    /// <summary>An S3/MinIO bucket (Database = bucket, UserName = access key, Password = secret key): import the files under a prefix.</summary>
    S3,

    /// <summary>
    /// A Kafka cluster (Host:Port = a bootstrap server; UserName/Password = SASL PLAIN credentials when set): import a
    /// topic up to its current end, optionally from a start time, as JSON Lines.
    /// </summary>
    Kafka,
}
