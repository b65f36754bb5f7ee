using AiPlatform.Core.Knowledge;

namespace AiPlatform.Infrastructure.Knowledge;

/// <summary>Index snapshots in <c>{data}/knowledge-index/{kb}.hnsw</c>, written to a temporary file and renamed.</summary>
public sealed class FileIndexSnapshotStore(Microsoft.Extensions.Options.IOptions<PlatformOptions> settings) : IIndexSnapshotStore
{
    private string Folder => Path.Combine(settings.Value.ResolveDataDirectory(), "knowledge-index");

    public Stream? OpenRead(Guid kbId)
    {
        var path = PathOf(kbId);
        return File.Exists(path) ? new BufferedStream(File.OpenRead(path), 1 << 20) : null;
    }

    public void Write(Guid kbId, Action<Stream> write)
    {
        Directory.CreateDirectory(Folder);
        var path = PathOf(kbId);
        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new BufferedStream(File.Create(temporary), 1 << 20))
            {
                write(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public void Delete(Guid kbId)
    {
        if (File.Exists(PathOf(kbId)))
        {
            File.Delete(PathOf(kbId));
        }
    }

    private string PathOf(Guid kbId) => Path.Combine(Folder, kbId.ToString("N") + ".hnsw");
}
