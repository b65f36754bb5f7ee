namespace AiPlatform.Infrastructure.Storage;

public enum StorageProvider
{
    FileSystem,
    Minio,
}
