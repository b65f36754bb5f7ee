using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Tracking;

/// <summary>An entry of an artifact listing: <see cref="Path"/> is relative to the run's artifact root.</summary>
public sealed record ArtifactEntry(string Path, bool IsDirectory, long? Size);

/// <summary>
/// A run's files. The user's path is checked (no "..", no absolute paths, no backslashes or control characters) and
/// only recorded; the object key is the platform's own (<c>tracking/&lt;run&gt;/&lt;uuid&gt;</c>), so no path can reach
/// another run's files or leave the store's area. Uploads are staged and committed atomically.
/// </summary>
public sealed class ArtifactService(RunService runs, ITrackingStore store, IObjectStore objects, AuditRecorder audit, TimeProvider time)
{
    public const int MaxPathLength = 1000;
    public const int MaxPreviewBytes = 256 * 1024;

    public static string NormalizePath(string? path, bool allowEmpty)
    {
        if (path is { Length: > 0 } && (path[0] == '/' || path[0] == '\\'))
        {
            throw new ValidationException("path", $"Invalid artifact path '{path}': absolute paths are not allowed.");
        }

        var trimmed = (path ?? string.Empty).TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return allowEmpty ? string.Empty : throw new ValidationException("path", "An artifact path is required.");
        }

        var segments = trimmed.Split('/');
        if (trimmed.Length > MaxPathLength || segments.Length > 32
            || trimmed.Contains('\\') || trimmed.Any(char.IsControl) || (trimmed.Length >= 2 && trimmed[1] == ':')
            || segments.Any(s => s is "" or "." or ".."))
        {
            throw new ValidationException("path", $"Invalid artifact path '{path}': use a relative path without '..', '.', empty parts or backslashes.");
        }

        return trimmed;
    }

    public async Task<RunArtifact> UploadAsync(Guid runId, string? path, Stream content, long? length, string? contentType, CancellationToken ct)
    {
        var (run, _, _) = await runs.RequireRunAsync(runId, PermissionLevel.Write, ct);
        return await UploadCoreAsync(run, path, content, length, contentType, ct);
    }

    /// <summary>Storing by platform work (a training job) into a run its submitter was allowed to write.</summary>
    internal async Task<RunArtifact> UploadForWorkAsync(Guid runId, string path, Stream content, long? length, string? contentType, CancellationToken ct) =>
        await UploadCoreAsync(await store.FindRunAsync(runId, ct) ?? throw new NotFoundException("Run", runId.ToString("N")), path, content, length, contentType, ct);

    /// <summary>Refuses a file path that is an existing folder of artifacts, or that sits under an existing file.</summary>
    internal static void CheckPlacement(string relative, IEnumerable<string> existingPaths)
    {
        var paths = existingPaths.ToList();
        if (paths.Any(p => p.StartsWith(relative + "/", StringComparison.Ordinal)))
        {
            throw new ValidationException("path", $"'{relative}' is a folder of artifacts; choose another file name.");
        }

        if (paths.FirstOrDefault(p => relative.StartsWith(p + "/", StringComparison.Ordinal)) is { } file)
        {
            throw new ValidationException("path", $"'{file}' is a file, so it cannot hold '{relative}'.");
        }
    }

    private async Task<RunArtifact> UploadCoreAsync(Run run, string? path, Stream content, long? length, string? contentType, CancellationToken ct)
    {
        var relative = NormalizePath(path, false);
        var existing = await store.ListArtifactsAsync(run.Id, string.Empty, ct);
        CheckPlacement(relative, existing.Select(a => a.Path));

        var staged = await objects.StageAsync(content, length, contentType, ct);
        var key = ObjectKey.Create("tracking", run.Id.ToString("N"), Guid.CreateVersion7(time.GetUtcNow()).ToString("N"));
        try
        {
            await objects.CommitAsync(staged, key, ct);
        }
        catch
        {
            await objects.DiscardAsync(staged, CancellationToken.None);
            throw;
        }

        var artifact = new RunArtifact { RunId = run.Id, Path = relative, Size = staged.Size, ContentType = contentType ?? GuessContentType(relative), ObjectKey = key.Value, CreatedAt = time.GetUtcNow() };
        RunArtifact? replaced;
        try
        {
            replaced = await store.UpsertArtifactAsync(artifact, ct);
        }
        catch
        {
            await objects.DeleteAsync(key, CancellationToken.None);
            throw;
        }

        if (replaced is not null)
        {
            await objects.DeleteAsync(ObjectKey.Parse(replaced.ObjectKey), CancellationToken.None);
        }

        return artifact;
    }

    /// <summary>The direct children of a folder (the root when <paramref name="path"/> is empty); a file path lists nothing.</summary>
    public async Task<IReadOnlyList<ArtifactEntry>> ListAsync(Guid runId, string? path, CancellationToken ct)
    {
        var (run, _, _) = await runs.RequireRunAsync(runId, PermissionLevel.Read, ct);
        var folder = NormalizePath(path, true);
        var prefix = folder.Length == 0 ? string.Empty : folder + "/";
        var entries = new SortedDictionary<string, ArtifactEntry>(StringComparer.Ordinal);
        foreach (var artifact in await store.ListArtifactsAsync(run.Id, prefix, ct))
        {
            var rest = artifact.Path[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var entry = slash < 0 ? new ArtifactEntry(artifact.Path, false, artifact.Size) : new ArtifactEntry(prefix + rest[..slash], true, null);
            entries.TryAdd(entry.Path, entry);
        }

        return entries.Values.OrderBy(e => !e.IsDirectory).ThenBy(e => e.Path, StringComparer.Ordinal).ToList();
    }

    public async Task<(RunArtifact Artifact, Stream Content)> OpenAsync(Guid runId, string? path, CancellationToken ct)
    {
        var (run, _, _) = await runs.RequireRunAsync(runId, PermissionLevel.Read, ct);
        var relative = NormalizePath(path, false);
        var artifact = await store.FindArtifactAsync(run.Id, relative, ct) ?? throw new NotFoundException("Artifact", relative);
        return (artifact, await objects.OpenReadAsync(ObjectKey.Parse(artifact.ObjectKey), ct));
    }

    /// <summary>The first <see cref="MaxPreviewBytes"/> bytes of a file, for previews; <c>Truncated</c> when there is more.</summary>
    public async Task<(RunArtifact Artifact, byte[] Bytes, bool Truncated)> ReadHeadAsync(Guid runId, string? path, CancellationToken ct)
    {
        var (artifact, content) = await OpenAsync(runId, path, ct);
        await using (content)
        {
            var buffer = new byte[(int)Math.Min(artifact.Size, MaxPreviewBytes)];
            await content.ReadAtLeastAsync(buffer, buffer.Length, false, ct);
            return (artifact, buffer, artifact.Size > MaxPreviewBytes);
        }
    }

    /// <summary>Deletes a file, or a folder with everything in it.</summary>
    public async Task<int> DeleteAsync(Guid runId, string? path, CancellationToken ct)
    {
        var (run, _, _) = await runs.RequireRunAsync(runId, PermissionLevel.Write, ct);
        var relative = NormalizePath(path, false);
        var deleted = await store.DeleteArtifactsAsync(run.Id, relative, await audit.EntryAsync("run.artifact.delete", SecurableTypes.Experiment, run.ExperimentId, new { run = run.MlflowId, path = relative }, ct), ct);
        if (deleted.Count == 0)
        {
            throw new NotFoundException("Artifact", relative);
        }

        foreach (var artifact in deleted)
        {
            await objects.DeleteAsync(ObjectKey.Parse(artifact.ObjectKey), CancellationToken.None);
        }

        return deleted.Count;
    }

    public static string GuessContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".svg" => "image/svg+xml",
        ".csv" => "text/csv",
        ".tsv" => "text/tab-separated-values",
        ".json" => "application/json",
        ".txt" or ".log" or ".md" or ".yaml" or ".yml" or ".py" or ".cfg" or ".ini" or ".toml" => "text/plain",
        ".html" or ".htm" => "text/html",
        _ when Path.GetFileName(path) is "MLmodel" or "requirements.txt" or "conda.yaml" => "text/plain",
        _ => "application/octet-stream",
    };

    /// <summary>How the UI previews a file.</summary>
    public static ArtifactPreviewKind PreviewKind(string path) => GuessContentType(path) switch
    {
        "image/png" or "image/jpeg" or "image/gif" or "image/webp" => ArtifactPreviewKind.Image,
        "text/csv" or "text/tab-separated-values" => ArtifactPreviewKind.Table,
        "text/plain" or "application/json" or "text/html" or "image/svg+xml" => ArtifactPreviewKind.Text,
        _ => ArtifactPreviewKind.None,
    };
}

public enum ArtifactPreviewKind
{
    None,
    Text,
    Image,
    Table,
}
