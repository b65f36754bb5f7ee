using System.Security.Cryptography;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>Datasets and their immutable, content-addressed versions.</summary>
public sealed class DatasetService(
    AccessService access,
    IDatasetStore store,
    IObjectStore objects,
    IDatasetEngine engine,
    Jobs.JobService jobs,
    SqlConsoleService sql,
    IScratchSpace scratch,
    DatasetSettings settings,
    AuditRecorder audit,
    TimeProvider time) : ISecurableLookup
{
    public const int MaxPreviewRows = 1000;

    public string ObjectType => SecurableTypes.Dataset;

    public async Task<PagedResult<Dataset>> ListAsync(string? search, string? tag, PageRequest page, CancellationToken ct) =>
        await store.ListReadableAsync(await access.RequireContextAsync(ct), search, tag, page, ct);

    public async Task<(Dataset Dataset, PermissionLevel Level)> GetAsync(Guid id, CancellationToken ct)
    {
        var dataset = await store.FindAsync(id, ct);
        var level = dataset is null ? null : await access.GetLevelAsync(ObjectType, id, dataset.OwnerId, ct);
        return dataset is not null && level is { } l ? (dataset, l) : throw new NotFoundException("Dataset", id);
    }

    public async Task<Dataset> CreateAsync(string name, string? description, IReadOnlyCollection<string>? tags, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.DatasetsCreate, ct);
        var now = time.GetUtcNow();
        var dataset = new Dataset
        {
            Id = Guid.CreateVersion7(now),
            Name = await ValidNameAsync(context.UserId, name, null, ct),
            Description = ValidDescription(description),
            Tags = ValidTags(tags),
            OwnerId = context.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.AddAsync(dataset, await audit.EntryAsync("dataset.create", ObjectType, dataset.Id, new { dataset.Name, dataset.Tags }, ct), ct);
        return dataset;
    }

    public async Task<Dataset> UpdateAsync(Guid id, string name, string? description, IReadOnlyCollection<string>? tags, CancellationToken ct)
    {
        var (dataset, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, dataset.OwnerId, PermissionLevel.Write, ct);
        var before = new { dataset.Name, dataset.Tags };
        dataset.Name = await ValidNameAsync(dataset.OwnerId, name, id, ct);
        dataset.Description = ValidDescription(description);
        dataset.Tags = ValidTags(tags);
        dataset.UpdatedAt = time.GetUtcNow();
        await store.UpdateAsync(dataset, await audit.EntryAsync("dataset.update", ObjectType, id, new { before, after = new { dataset.Name, dataset.Tags } }, ct), ct);
        return dataset;
    }

    /// <summary>Deletes the dataset and its versions; their content is deleted after the rows are gone.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (dataset, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, dataset.OwnerId, PermissionLevel.Manage, ct);
        var keys = await store.DeleteAsync(id, await audit.EntryAsync("dataset.delete", ObjectType, id, new { dataset.Name }, ct), ct);
        foreach (var key in keys)
        {
            await objects.DeleteAsync(Storage.ObjectKey.Parse(key), CancellationToken.None);
        }
    }

    public async Task<IReadOnlyList<DatasetVersion>> ListVersionsAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.ListVersionsAsync(id, ct);
    }

    public async Task<DatasetVersion> GetVersionAsync(Guid id, Guid versionId, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.FindVersionAsync(id, versionId, ct) ?? throw new NotFoundException("Dataset version", versionId);
    }

    /// <summary>
    /// Adds a version from a file: streamed to a scratch file (hashing on the way, never held in memory), read by the
    /// engine (malformed content fails here, naming the line), then stored under a key derived from its hash.
    /// The same content as an existing version makes no new version.
    /// </summary>
    public async Task<UploadResult> UploadAsync(Guid id, Stream content, string fileName, string? message, CancellationToken ct)
    {
        var (dataset, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, dataset.OwnerId, PermissionLevel.Write, ct);
        var format = DatasetFormats.FromFileName(fileName);
        if (message is { Length: > 1000 })
        {
            throw new ValidationException("message", "A version message has at most 1000 characters.");
        }

        var path = scratch.NewFilePath(format.Extension());
        try
        {
            var (hash, size) = await SpoolAsync(content, path, ct);
            if (size == 0)
            {
                throw new ValidationException("file", "The file is empty.");
            }

            return await AddVersionFromFileAsync(dataset, path, hash, size, format, fileName, message, "upload", null, (await access.RequireContextAsync(ct)).UserName, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Platform work (payload logging): a new JSON Lines version holding the latest version's lines (when it is JSON
    /// Lines) followed by <paramref name="lines"/>, keeping the newest <paramref name="maxRows"/>; no caller involved.
    /// </summary>
    internal async Task<UploadResult?> AppendLinesForWorkAsync(Guid id, IReadOnlyList<string> lines, string message, string author, int maxRows, CancellationToken ct)
    {
        if (await store.FindAsync(id, ct) is not { } dataset || lines.Count == 0)
        {
            return null;
        }

        var kept = new List<string>();
        if ((await store.ListVersionsAsync(id, ct)).FirstOrDefault() is { Format: DatasetFormat.JsonLines } latest)
        {
            await using var source = await objects.OpenReadAsync(Storage.ObjectKey.Parse(latest.ObjectKey), ct);
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

    /// <summary>Saves the result of a console query as a new version (Parquet) of a dataset the caller may write; records the query as lineage.</summary>
    public async Task<UploadResult> SaveQueryResultAsync(Guid id, string query, string? message, CancellationToken ct)
    {
        var (dataset, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, dataset.OwnerId, PermissionLevel.Write, ct);
        var (path, sources) = await sql.ExportAsync(query, ct);
        try
        {
            string hash;
            long size;
            await using (var file = File.OpenRead(path))
            {
                hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
                size = file.Length;
            }

            var detail = System.Text.Json.JsonSerializer.Serialize(new { sql = query, datasets = sources.Select(s => s.ViewName) });
            return await AddVersionFromFileAsync(dataset, path, hash, size, DatasetFormat.Parquet, "query.parquet", message, "query", detail, (await access.RequireContextAsync(ct)).UserName, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The dataset without an access check, for a schedule that checks its creator's rights itself.</summary>
    internal Task<Dataset?> FindForScheduleAsync(Guid id, CancellationToken ct) => store.FindAsync(id, ct);

    /// <summary>Adds a version from a file an import job produced; the job checked access when it was requested.</summary>
    internal async Task<UploadResult> ImportFileAsync(Guid datasetId, string path, DatasetFormat format, string fileName, string? message, string source, string? sourceDetail, string createdBy, CancellationToken ct)
    {
        var dataset = await store.FindAsync(datasetId, ct) ?? throw new NotFoundException("Dataset", datasetId);
        string hash;
        long size;
        await using (var file = File.OpenRead(path))
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
            size = file.Length;
        }

        return await AddVersionFromFileAsync(dataset, path, hash, size, format, fileName, message, source, sourceDetail, createdBy, ct);
    }

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
                version = await store.AddVersionAsync(version, await audit.EntryAsync("dataset.version.create", ObjectType, id, new { hash, size, inspection.RowCount, fileName = version.OriginalFileName }, ct), ct);
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

    /// <summary>Compares two versions of a dataset: schema, row counts and, with a key column present in both, rows.</summary>
    public async Task<DatasetDiff> DiffAsync(Guid id, Guid fromVersionId, Guid toVersionId, string? key, CancellationToken ct)
    {
        var from = await GetVersionAsync(id, fromVersionId, ct);
        var to = await GetVersionAsync(id, toVersionId, ct);
        var fromColumns = from.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var toColumns = to.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var shared = from.Columns.Select(c => c.Name).Where(toColumns.ContainsKey).ToList();
        RowDiff? rows = null;
        if (!string.IsNullOrEmpty(key))
        {
            if (!shared.Contains(key))
            {
                throw new ValidationException("key", $"'{key}' is not a column of both versions.");
            }

            await using var fromFile = await LocalCopyAsync(from, ct);
            await using var toFile = await LocalCopyAsync(to, ct);
            rows = await engine.DiffRowsAsync(fromFile.Path, from.Format, toFile.Path, to.Format, key, shared, ct);
        }

        return new DatasetDiff(
            from.Number,
            to.Number,
            to.Columns.Select(c => c.Name).Where(c => !fromColumns.ContainsKey(c)).ToList(),
            from.Columns.Select(c => c.Name).Where(c => !toColumns.ContainsKey(c)).ToList(),
            shared.Where(c => fromColumns[c] != toColumns[c]).Select(c => new ColumnTypeChange(c, fromColumns[c], toColumns[c])).ToList(),
            from.RowCount,
            to.RowCount,
            string.IsNullOrEmpty(key) ? null : key,
            rows?.Added,
            rows?.Removed,
            rows?.Changed,
            rows?.SampleChangedKeys ?? []);
    }

    /// <summary>The version's lineage, showing only datasets the caller may read.</summary>
    public async Task<DatasetLineage> GetLineageAsync(Guid id, Guid versionId, CancellationToken ct)
    {
        var (dataset, _) = await GetAsync(id, ct);
        var version = await GetVersionAsync(id, versionId, ct);
        var parent = version.ParentId is { } parentId ? await store.FindVersionAsync(id, parentId, ct) : null;
        var readable = (await store.ListReadableAsync(await access.RequireContextAsync(ct), null, null, new PageRequest(0, PageRequest.DefaultMaxPageSize), ct)).Items;
        var inputs = new List<LineageLink>();
        if (version.Source == "query" && version.SourceDetail is { } detail)
        {
            var names = System.Text.Json.JsonDocument.Parse(detail).RootElement.GetProperty("datasets").EnumerateArray().Select(e => e.GetString()).ToHashSet();
            inputs.AddRange(readable.Where(d => names.Contains(d.Name)).Select(d => new LineageLink(d.Id, d.Name, null, null, "query input")));
        }

        var usedBy = new List<LineageLink>();
        foreach (var derived in await store.FindVersionsMentioningAsync($"\"{dataset.Name}\"", ct))
        {
            if (derived.DatasetId != id && readable.FirstOrDefault(d => d.Id == derived.DatasetId) is { } target && derived.CreatedAt >= version.CreatedAt)
            {
                usedBy.Add(new LineageLink(target.Id, target.Name, derived.Id, derived.Number, derived.Source));
            }
        }

        return new DatasetLineage(version, parent, inputs, usedBy);
    }

    /// <summary>The version's profile, or null while the profiling job has not finished.</summary>
    public async Task<DatasetProfile?> GetProfileAsync(Guid id, Guid versionId, CancellationToken ct)
    {
        var version = await GetVersionAsync(id, versionId, ct);
        return await store.FindProfileAsync(version.Id, ct);
    }

    /// <summary>Profiles the version again (a job); needs Write.</summary>
    public async Task<Jobs.JobRecord> RequestProfileAsync(Guid id, Guid versionId, CancellationToken ct)
    {
        var (dataset, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, dataset.OwnerId, PermissionLevel.Write, ct);
        var version = await GetVersionAsync(id, versionId, ct);
        return await jobs.EnqueueAsync(
            ProfileRequest(dataset, version),
            (await access.RequireContextAsync(ct)).UserName,
            await audit.EntryAsync("dataset.version.profile", ObjectType, id, new { version = version.Number }, ct),
            ct);
    }

    private Task<Jobs.JobRecord> EnqueueProfileAsync(Dataset dataset, DatasetVersion version, string user, CancellationToken ct) =>
        jobs.EnqueueAsync(ProfileRequest(dataset, version), user, ct);

    private static Jobs.JobRequest ProfileRequest(Dataset dataset, DatasetVersion version) =>
        new(
            ProfileDatasetHandler.JobKind,
            $"{dataset.Name} v{version.Number}",
            "dataset-version",
            version.Id.ToString(),
            System.Text.Json.JsonSerializer.SerializeToElement(new ProfileDatasetHandler.ProfileParameters(dataset.Id, version.Id)));

    /// <summary>A page of a version's rows, optionally sorted by a column.</summary>
    public async Task<DatasetRows> ReadRowsAsync(Guid id, Guid versionId, int offset, int limit, string? sortColumn, bool descending, CancellationToken ct)
    {
        var version = await GetVersionAsync(id, versionId, ct);
        if (sortColumn is not null && version.Columns.All(c => c.Name != sortColumn))
        {
            throw new ValidationException("sort", $"'{sortColumn}' is not a column of this version.");
        }

        await using var file = await ColumnarCopyAsync(version, ct);
        return await engine.ReadAsync(file.Path, DatasetFormat.Parquet == version.Format || version.ColumnarKey is not null ? DatasetFormat.Parquet : version.Format, Math.Max(0, offset), Math.Clamp(limit, 1, MaxPreviewRows), sortColumn, descending, ct);
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } d ? new SecurableObject(ObjectType, d.Id, d.Name, d.OwnerId) : null;

    /// <summary>The columnar copy when there is one (faster to read), else the content itself.</summary>
    internal Task<LocalObjectFile> ColumnarCopyAsync(DatasetVersion version, CancellationToken ct) =>
        version.ColumnarKey is { } columnar
            ? LocalObjectFile.OpenAsync(objects, scratch, Storage.ObjectKey.Parse(columnar), "parquet", ct)
            : LocalCopyAsync(version, ct);

    private Task<LocalObjectFile> LocalCopyAsync(DatasetVersion version, CancellationToken ct) =>
        LocalObjectFile.OpenAsync(objects, scratch, Storage.ObjectKey.Parse(version.ObjectKey), version.Format.Extension(), ct);

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
                throw new ValidationException("file", $"The file is larger than the limit of {settings.MaxUploadBytes:N0} bytes.");
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

    private static string? ValidDescription(string? description) =>
        description is { Length: > 20000 } ? throw new ValidationException("description", "A description has at most 20000 characters.") : description?.Trim();

    private static List<string> ValidTags(IReadOnlyCollection<string>? tags)
    {
        var clean = (tags ?? []).Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToList();
        if (clean.Count > 20 || clean.Any(t => t.Length > 40 || t.Contains(' ', StringComparison.Ordinal) || t.Contains(',', StringComparison.Ordinal)))
        {
            throw new ValidationException("tags", "Up to 20 tags of at most 40 characters, without spaces or commas.");
        }

        return clean;
    }

    private async Task<string> ValidNameAsync(Guid ownerId, string name, Guid? except, CancellationToken ct)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 100)
        {
            throw new ValidationException("name", "A dataset name has 1 to 100 characters.");
        }

        if (await store.NameTakenAsync(ownerId, trimmed, except, ct))
        {
            throw new ValidationException("name", $"You already have a dataset named '{trimmed}'.");
        }

        return trimmed;
    }
}
