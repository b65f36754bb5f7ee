namespace AiPlatform.Core.Knowledge;

/// <summary>Where index snapshots live between restarts (Infrastructure: the data folder).</summary>
public interface IIndexSnapshotStore
{
    Stream? OpenRead(Guid kbId);

    /// <summary>Writes atomically (temporary file, then rename).</summary>
    void Write(Guid kbId, Action<Stream> write);

    void Delete(Guid kbId);
}
