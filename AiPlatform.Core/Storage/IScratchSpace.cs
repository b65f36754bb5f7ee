namespace AiPlatform.Core.Storage;

/// <summary>Temporary files inside the platform's data folder (never elsewhere); the caller deletes what it creates.</summary>
public interface IScratchSpace
{
    /// <summary>A new, unused file path with the given extension; the file does not exist yet.</summary>
    string NewFilePath(string extension);
}
