using System.Security.Cryptography;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>
/// How a dataset gains a version, whatever the content came from (an upload, an import job, a saved query, payload
/// logging): read by the engine (malformed content fails here, naming the line), stored under a key derived from its
/// hash with a columnar copy, recorded, then profiled by a job. The same content as an existing version makes no new
/// version. Callers check access first.
/// </summary>
public sealed class DatasetVersionWriter(
    IDatasetStore store,
    IObjectStore objects,
    IDatasetEngine engine,
    IScratchSpace scratch,
    DatasetSettings settings,
    AuditRecorder audit,
    Jobs.JobService jobs,
    TimeProvider time)
{
    /// <summary>
    /// Adds a version from a stream: spooled to a scratch file (hashing on the way, never held in memory, at most
    /// <see cref="DatasetSettings.MaxUploadBytes"/>), then added like a file.
    /// </summary>
    internal async Task<UploadResult> AddStreamAsync(Dataset dataset, Stream content, DatasetFormat format, string fileName, string? message, string source, string createdBy, CancellationToken ct)
    {
        var path = scratch.NewFilePath(format.Extension());
        try
        {
            var (hash, size) = await SpoolAsync(content, path, ct);
            if (size == 0)
            {
                throw new ValidationException("file", "The file is empty.") { MessageKey = "Error.Data.EmptyFile" };
            }

            return await AddVersionFromFileAsync(dataset, path, hash, size, format, fileName, message, source, null, createdBy, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Adds a version from a file already on local disk (an export or an import job's output); the caller deletes the file.</summary>
    internal async Task<UploadResult> AddFileAsync(Dataset dataset, string path, DatasetFormat format, string fileName, string? message, string source, string? sourceDetail, string createdBy, CancellationToken ct)
    {
        string hash;
        long size;
        await using (var file = File.OpenRead(path))
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
            size = file.Length;
        }

        return await AddVersionFromFileAsync(dataset, path, hash, size, format, fileName, message, source, sourceDetail, createdBy, ct);
    }

    /// <summary>Adds a version from a file an import job produced; the job checked access when it was requested.</summary>
    internal async Task<UploadResult> ImportFileAsync(Guid datasetId, string path, DatasetFormat format, string fileName, string? message, string source, string? sourceDetail, string createdBy, CancellationToken ct)
    {
        var dataset = await store.FindAsync(datasetId, ct) ?? throw new NotFoundException("Dataset", datasetId);
        return await AddFileAsync(dataset, path, format, fileName, message, source, sourceDetail, createdBy, ct);
    }

    /// <summary>
    /// Platform work (payload logging): a new JSON Lines version holding the latest version's lines (when it is JSON
    /// Lines) followed by <paramref name="lines"/>, keeping the newest <paramref name="maxRows"/>; no caller involved.
    /// </summary>
    internal async Task<UploadResult?> AppendLinesAsync(Guid id, IReadOnlyList<string> lines, string message, string author, int maxRows, CancellationToken ct)
    {
        if (await store.FindAsync(id, ct) is not { } dataset || lines.Count == 0)
        {
            return null;
        }

        var kept = new List<string>();
        if ((await store.ListVersionsAsync(id, ct)).FirstOrDefault() is { Format: DatasetFormat.JsonLines } latest)
        {
            await using var source = await objects.OpenReadAsync(ObjectKey.Parse(latest.ObjectKey), ct);
            using var reader = new StreamReader(source);
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length > 0)
                {
                    kept.Add(line);
                }
            }
        }

        kept.AddRange(lines);
        var path = scratch.NewFilePath("jsonl");
        try
        {
            await using (var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', kept.Skip(Math.Max(0, kept.Count - maxRows))) + "\n")))
            {
                var (hash, size) = await SpoolAsync(content, path, ct);
                return await AddVersionFromFileAsync(dataset, path, hash, size, DatasetFormat.JsonLines, "payloads.jsonl", message, "payload-log", null, author, ct);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The profiling job of a version (run after every new version, or again on request).</summary>
    internal static Jobs.JobRequest ProfileRequest(Dataset dataset, DatasetVersion version) =>
        new(
            ProfileDatasetHandler.JobKind,
            $"{dataset.Name} v{version.Number}",
            "dataset-version",
            version.Id.ToString(),
            System.Text.Json.JsonSerializer.SerializeToElement(new ProfileDatasetHandler.ProfileParameters(dataset.Id, version.Id)));

    private async Task<UploadResult> AddVersionFromFileAsync(Dataset dataset, string path, string hash, long size, DatasetFormat format, string fileName, string? message, string source, string? sourceDetail, string createdBy, CancellationToken ct)
    {
        var id = dataset.Id;
        {
            if (await store.FindVersionByHashAsync(id, hash, ct) is { } existing)
            {
                return new UploadResult(existing, Created: false);
            }

            var columnarPath = format == DatasetFormat.Parquet ? null : scratch.NewFilePath("parquet");
            Storage.ObjectKey? columnarKey = null;
            var key = Storage.ObjectKey.Create("datasets", id.ToString("N"), $"{hash}.{format.Extension()}");
            DatasetInspection inspection;
            try
            {
                inspection = await engine.InspectAsync(path, format, columnarPath, ct);

                // The scratch files are handed to the store: a local store renames them instead of copying gigabytes.
                await objects.PutFileAsync(key, path, hash, ContentType(format), ct);
                if (columnarPath is not null)
                {
                    columnarKey = Storage.ObjectKey.Create("datasets", id.ToString("N"), $"{hash}.columnar.parquet");
                    await objects.PutFileAsync(columnarKey.Value, columnarPath, string.Empty, "application/vnd.apache.parquet", ct);
                }
            }
            finally
            {
                if (columnarPath is not null)
                {
                    File.Delete(columnarPath);
                }
            }

            var latest = (await store.ListVersionsAsync(id, ct)).FirstOrDefault();
            var version = new DatasetVersion
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                DatasetId = id,
                ContentHash = hash,
                ObjectKey = key.Value,
                ColumnarKey = columnarKey?.Value,
                Format = format,
                SizeBytes = size,
                RowCount = inspection.RowCount,
                Columns = inspection.Columns.ToList(),
                ParentId = latest?.Id,
                Message = string.IsNullOrWhiteSpace(message) ? null : message.Trim(),
                OriginalFileName = Storage.ObjectKey.SafeSegment(fileName),
                Source = source,
                SourceDetail = sourceDetail,
                CreatedBy = createdBy,
                CreatedAt = time.GetUtcNow(),
            };
            try
            {
                version = await store.AddVersionAsync(version, await audit.EntryAsync("dataset.version.create", SecurableTypes.Dataset, id, new { hash, size, inspection.RowCount, fileName = version.OriginalFileName }, ct), ct);
            }
            catch
            {
                // Two uploads of the same content may race; the blob belongs to whichever version was saved.
                if (await store.FindVersionByHashAsync(id, hash, CancellationToken.None) is null)
                {
                    await objects.DeleteAsync(key, CancellationToken.None);
                    if (columnarKey is { } ck)
                    {
                        await objects.DeleteAsync(ck, CancellationToken.None);
                    }
                }

                throw;
            }

            await EnqueueProfileAsync(dataset, version, createdBy, ct);
            return new UploadResult(version, Created: true);
        }
    }

    private Task<Jobs.JobRecord> EnqueueProfileAsync(Dataset dataset, DatasetVersion version, string user, CancellationToken ct) =>
        jobs.EnqueueAsync(ProfileRequest(dataset, version), user, ct);

    private async Task<(string Hash, long Size)> SpoolAsync(Stream content, string path, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long size = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            size += read;
            if (size > settings.MaxUploadBytes)
            {
                throw new ValidationException("file", $"The file is larger than the limit of {settings.MaxUploadBytes:N0} bytes.") { MessageKey = "Error.Data.FileTooLarge", MessageArguments = [settings.MaxUploadBytes] };
            }

            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }

    private static string ContentType(DatasetFormat format) => format switch
    {
        DatasetFormat.Csv => "text/csv",
        DatasetFormat.Tsv => "text/tab-separated-values",
        DatasetFormat.JsonLines => "application/x-ndjson",
        _ => "application/octet-stream",
    };
}
