using AiPlatform.Core.Storage;

namespace AiPlatform.Infrastructure.Storage;

/// <summary>
/// Scratch files under <c>{data}/tmp/scratch/{process}</c>. Each process writes into a folder of its own, which it holds
/// by an exclusive lock on the folder's <see cref="LockFileName"/> for as long as it lives. At start, every folder whose
/// lock can be taken belonged to a process that is gone (killed mid-upload, say) and is removed with what it left, and so
/// are loose files of versions that wrote straight into <c>tmp/scratch</c>; the folders of live processes sharing the data
/// folder keep their files.
/// </summary>
internal sealed class FileScratchSpace : IScratchSpace, IDisposable
{
    public const string LockFileName = ".lock";

    /// <summary>A folder without a lock file is another process's between creating the folder and locking it, unless it is older than this.</summary>
    private static readonly TimeSpan UnlockedGrace = TimeSpan.FromMinutes(10);

    private readonly FileStream _lock;

    public FileScratchSpace(string dataDirectory)
    {
        Root = Path.Combine(dataDirectory, "tmp", "scratch");
        Directory.CreateDirectory(Root);
        RemoveLeftovers(Root);
        (Folder, _lock) = Claim(Root);
    }

    /// <summary><c>{data}/tmp/scratch</c>, shared by the processes of one data folder.</summary>
    public string Root { get; }

    /// <summary>This process's own folder, where <see cref="NewFilePath"/> points.</summary>
    public string Folder { get; }

    public string NewFilePath(string extension) =>
        Path.Combine(Folder, $"{Guid.NewGuid():N}.{Core.Storage.ObjectKey.SafeSegment(extension)}");

    public void Dispose()
    {
        _lock.Dispose();
        TryDeleteFolder(Folder);
    }

    private static (string Folder, FileStream Lock) Claim(string root)
    {
        for (var attempt = 1; ; attempt++)
        {
            var folder = Path.Combine(root, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                // FileShare.None takes an exclusive lock (flock on Unix) that dies with the process, however it ends.
                var held = new FileStream(Path.Combine(folder, LockFileName), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1);

                // Another process starting at this very moment may have taken the lock first and removed the folder.
                if (File.Exists(Path.Combine(folder, LockFileName)))
                {
                    return (folder, held);
                }

                held.Dispose();
            }
            catch (IOException) when (attempt < 5)
            {
            }
        }
    }

    private static void RemoveLeftovers(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root))
        {
            TryDeleteFile(file);
        }

        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            RemoveIfOwnerIsGone(folder);
        }
    }

    private static void RemoveIfOwnerIsGone(string folder)
    {
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(folder, LockFileName), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (FileNotFoundException)
        {
            if (Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow - UnlockedGrace)
            {
                TryDeleteFolder(folder);
            }

            return;
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        catch (IOException)
        {
            // Locked: its process is alive.
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        using (held)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(folder).Where(e => Path.GetFileName(e) != LockFileName))
            {
                if (Directory.Exists(entry))
                {
                    TryDeleteFolder(entry);
                }
                else
                {
                    TryDeleteFile(entry);
                }
            }
        }

        TryDeleteFolder(folder);
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for a later start.
        }
    }

    private static void TryDeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Removed by another process meanwhile, or left for a later start.
        }
    }
}
