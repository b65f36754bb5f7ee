using System.Diagnostics;
using AiPlatform.Infrastructure.Storage;

namespace AiPlatform.Infrastructure.Tests.Storage;

/// <summary>
/// Scratch files of a process that died (kill -9 mid-upload) are removed when the platform starts again, while a live
/// process sharing the data folder keeps its own.
/// </summary>
public sealed class FileScratchSpaceTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aip-scratch-" + Guid.NewGuid().ToString("N"));

    private string Root => Path.Combine(_data, "tmp", "scratch");

    [Fact]
    public void At_start_the_files_of_a_dead_process_and_loose_legacy_files_are_removed()
    {
        // What a killed process leaves: its folder, its lock file (no longer locked) and a partial upload.
        var dead = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dead);
        File.WriteAllText(Path.Combine(dead, FileScratchSpace.LockFileName), string.Empty);
        File.WriteAllBytes(Path.Combine(dead, "partial.csv"), new byte[4096]);
        Directory.CreateDirectory(Path.Combine(dead, "nested"));
        File.WriteAllText(Path.Combine(dead, "nested", "more.bin"), "x");
        var legacy = Path.Combine(Root, Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(legacy, "a,b\n1,2\n");

        using var scratch = new FileScratchSpace(_data);

        Directory.Exists(dead).ShouldBeFalse();
        File.Exists(legacy).ShouldBeFalse();
        Directory.GetDirectories(Root).ShouldBe([scratch.Folder]);
        Path.GetDirectoryName(scratch.NewFilePath("csv")).ShouldBe(scratch.Folder);
    }

    [Fact]
    public void A_live_process_sharing_the_data_folder_keeps_its_scratch_files()
    {
        using var live = new FileScratchSpace(_data);
        var inProgress = live.NewFilePath("csv");
        File.WriteAllText(inProgress, "a,b\n");

        using var starting = new FileScratchSpace(_data);

        File.Exists(inProgress).ShouldBeTrue("the second instance removed the first one's file while it held its folder");
        starting.Folder.ShouldNotBe(live.Folder);
    }

    [Fact]
    public void A_folder_locked_by_another_process_is_kept_until_that_process_is_killed()
    {
        var other = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(other);
        var partial = Path.Combine(other, "upload.csv");
        File.WriteAllText(partial, "a,b\n");
        var lockFile = Path.Combine(other, FileScratchSpace.LockFileName);

        // util-linux flock takes the same kind of lock (flock(2)) that .NET takes for FileShare.None. --close keeps the
        // lock in the flock process alone (not in its sleeping child), so once that process has exited the lock is gone.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockFile, "sleep", "300"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            WaitUntilLocked(lockFile, holder);

            using (new FileScratchSpace(_data))
            {
                File.Exists(partial).ShouldBeTrue("the scratch file of a live process was removed");
            }

            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
            using var afterKill = new FileScratchSpace(_data);

            Directory.Exists(other).ShouldBeFalse("the folder of a killed process is still there");
            Directory.GetDirectories(Root).ShouldBe([afterKill.Folder]);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void Disposing_releases_and_removes_the_process_folder()
    {
        string folder;
        using (var scratch = new FileScratchSpace(_data))
        {
            folder = scratch.Folder;
            File.WriteAllText(scratch.NewFilePath("bin"), "x");
        }

        Directory.Exists(folder).ShouldBeFalse();
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static void WaitUntilLocked(string lockFile, Process holder)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (holder.HasExited)
            {
                throw new InvalidOperationException($"flock exited with {holder.ExitCode}: {holder.StandardError.ReadToEnd()}");
            }

            try
            {
                using (new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                return;
            }
            catch (FileNotFoundException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"flock did not lock {lockFile} within 30 s.");
            }

            Thread.Sleep(50);
        }
    }
}
