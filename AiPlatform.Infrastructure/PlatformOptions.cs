namespace AiPlatform.Infrastructure;

public sealed class PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>Folder for the SQLite file, local objects, logs and keys. Relative paths resolve against the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    public string ResolveDataDirectory() => Path.GetFullPath(string.IsNullOrWhiteSpace(DataDirectory) ? "data" : DataDirectory);
}
