namespace AiPlatform.Infrastructure.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>FileSystem</c> (default: <c>{data}/objects</c>) or <c>Minio</c> (any S3 API).</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.FileSystem;

    /// <summary>Folder for the FileSystem provider; defaults to <c>objects</c> inside the data folder.</summary>
    public string? RootPath { get; set; }

    public MinioStorageOptions Minio { get; set; } = new();
}
