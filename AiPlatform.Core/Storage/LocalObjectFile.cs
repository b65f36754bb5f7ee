namespace AiPlatform.Core.Storage;

/// <summary>
/// An object as a file on the local disk, for engines that read files: the object's own file when the store keeps
/// objects locally, otherwise a scratch copy that is deleted on dispose.
/// </summary>
public sealed class LocalObjectFile : IAsyncDisposable
{
    private readonly bool _temporary;

    private LocalObjectFile(string path, bool temporary)
    {
        Path = path;
        _temporary = temporary;
    }

    public string Path { get; }

    public static async Task<LocalObjectFile> OpenAsync(IObjectStore objects, IScratchSpace scratch, ObjectKey key, string extension, CancellationToken ct)
    {
        if (objects.GetLocalPath(key) is { } local)
        {
            return new LocalObjectFile(local, temporary: false);
        }

        var path = scratch.NewFilePath(extension);
        try
        {
            await using var source = await objects.OpenReadAsync(key, ct);
            await using var target = File.Create(path);
            await source.CopyToAsync(target, ct);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return new LocalObjectFile(path, temporary: true);
    }

    public ValueTask DisposeAsync()
    {
        if (_temporary)
        {
            File.Delete(Path);
        }

        return ValueTask.CompletedTask;
    }
}
