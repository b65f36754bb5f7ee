namespace AiPlatform.Infrastructure.Training;

/// <summary>How the Local backend isolates custom code (<c>Training:Local:*</c>).</summary>
public sealed class LocalSandboxOptions
{
    public const string Section = "Training:Local";

    /// <summary>The bubblewrap binary (Debian package <c>bubblewrap</c>). Custom code runs only when it passes a probe.</summary>
    public string BubblewrapPath { get; set; } = "/usr/bin/bwrap";

    /// <summary>
    /// <c>setpriv</c> (util-linux), used to drop to <see cref="RunAsUser"/> before bubblewrap starts when the platform runs as root.
    /// </summary>
    public string SetprivPath { get; set; } = "/usr/bin/setpriv";

    /// <summary>
    /// Where each run gets its private work folder (mode 0700, removed after the run); outside the data folder.
    /// Empty: <c>aip-sandbox</c> under the system temp folder.
    /// </summary>
    public string? SandboxRoot { get; set; }

    /// <summary>
    /// The host user custom code runs as when the platform runs as root: a uid (<c>65534</c>), <c>uid:gid</c>, or a user name
    /// from /etc/passwd. Never root. Ignored when the platform itself is not root (the code runs as the platform's user, in
    /// its own user, mount and pid namespaces).
    /// </summary>
    public string RunAsUser { get; set; } = "65534";

    /// <summary>
    /// UNSAFE: when no sandbox can be set up, run custom code anyway as a plain child process with the platform's rights
    /// (it can read the database and the keys). Only for a single-user machine where every user is trusted.
    /// </summary>
    public bool AllowUnsandboxed { get; set; }

    /// <summary>
    /// Extra host folders bound read-only into the sandbox (e.g. a Python virtual environment or a toolchain under /opt).
    /// Folders that contain or lie inside the data folder are refused.
    /// </summary>
    public List<string> ReadOnlyPaths { get; set; } = [];
}
