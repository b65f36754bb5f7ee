namespace AiPlatform.Infrastructure.Storage;

public sealed class MinioStorageOptions
{
    /// <summary>Host and port of the S3 endpoint, e.g. <c>minio:9000</c>.</summary>
    public string? Endpoint { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    public string Bucket { get; set; } = "aiplatform";

    public string Region { get; set; } = "us-east-1";

    public bool UseSsl { get; set; }
}
