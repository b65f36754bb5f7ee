using System.Runtime.CompilerServices;
using AiPlatform.Core.Storage;

namespace AiPlatform.Infrastructure.Storage;

/// <summary>
/// Objects as files under one root folder. Content is written to the staging folder, flushed to disk,
/// then renamed into place: a rename within one file system is atomic, so readers never see half a file.
/// </summary>
internal sealed class FileSystemObjectStore : IObjectStore
{
    private const int BufferSize = 81920;
    private readonly string _root;

    public FileSystemObjectStore(string root)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Directory.CreateDirectory(Path.Combine(_root, ObjectStoreExtensions.StagingPrefix));
    }

    public string Provider => "FileSystem";

    public async Task<StagedObject> StageAsync(Stream content, long? length, string? contentType, CancellationToken ct)
    {
        var key = ObjectStoreExtensions.NewStagingKey();
        var path = PathOf(key);
        try
        {
            using var hashing = new HashingStream(content);
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                await hashing.CopyToAsync(file, BufferSize, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }

            if (length is { } expected && expected != hashing.BytesRead)
            {
                throw new IOException($"Expected {expected} bytes but received {hashing.BytesRead}.");
            }

            return new StagedObject(key, hashing.BytesRead, hashing.HashHex(), contentType);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public Task<StagedObject> StageFileAsync(string path, string sha256, string? contentType, CancellationToken ct)
    {
        var key = ObjectStoreExtensions.NewStagingKey();
        var length = new FileInfo(path).Length;
        File.Move(path, PathOf(key));
        return Task.FromResult(new StagedObject(key, length, sha256, contentType));
    }

    public Task<StoredObject> CommitAsync(StagedObject staged, ObjectKey key, CancellationToken ct)
    {
        var source = PathOf(staged.TemporaryKey);
        var target = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(source, target, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            // Stored objects are immutable: a new content is a new object. Read-only on disk, so that nothing the
            // platform runs as a non-root user (DuckDB for the SQL console included) can rewrite one in place.
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var info = new FileInfo(target);
        return Task.FromResult(new StoredObject(key, info.Length, info.LastWriteTimeUtc, staged.ContentType, staged.Sha256));
    }

    public Task DiscardAsync(StagedObject staged, CancellationToken ct)
    {
        File.Delete(PathOf(staged.TemporaryKey));
        return Task.CompletedTask;
    }

    public Task<Stream> OpenReadAsync(ObjectKey key, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(key);
        }
    }

    public Task<StoredObject?> StatAsync(ObjectKey key, CancellationToken ct)
    {
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? new StoredObject(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!FolderIsInside(folder) || !Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (!relative.StartsWith(prefix, StringComparison.Ordinal) || !ObjectKey.TryParse(relative, out var key))
            {
                continue;
            }

            var info = new FileInfo(path);
            if (info.Exists)
            {
                yield return new StoredObject(key, info.Length, info.LastWriteTimeUtc);
            }
        }
    }

    public Task<bool> DeleteAsync(ObjectKey key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    public string? GetLocalPath(ObjectKey key) => PathOf(key);

    public async Task CheckHealthAsync(CancellationToken ct)
    {
        var probe = Path.Combine(_root, ObjectStoreExtensions.StagingPrefix, $"health-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(probe, [1], ct);
        File.Delete(probe);
    }

    private string PathOf(ObjectKey key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, key.Value));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Object key '{key}' resolves outside the object store.");
        }

        return path;
    }

    private bool FolderIsInside(string folder)
    {
        var full = Path.GetFullPath(folder);
        return full == _root || full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
