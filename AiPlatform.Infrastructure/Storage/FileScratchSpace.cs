using AiPlatform.Core.Storage;

namespace AiPlatform.Infrastructure.Storage;

/// <summary>Scratch files under <c>{data}/tmp/scratch</c>; anything older than a day is removed at start.</summary>
internal sealed class FileScratchSpace : IScratchSpace
{
    private readonly string _folder;

    public FileScratchSpace(string dataDirectory)
    {
        _folder = Path.Combine(dataDirectory, "tmp", "scratch");
        Directory.CreateDirectory(_folder);
        foreach (var stale in Directory.EnumerateFiles(_folder).Where(f => File.GetLastWriteTimeUtc(f) < DateTime.UtcNow.AddDays(-1)))
        {
            File.Delete(stale);
        }
    }

    public string NewFilePath(string extension) =>
        Path.Combine(_folder, $"{Guid.NewGuid():N}.{Core.Storage.ObjectKey.SafeSegment(extension)}");
}
