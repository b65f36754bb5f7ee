using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>
/// Datasets and their immutable, content-addressed versions: create, edit, delete, list, upload. How a version is
/// written is <see cref="DatasetVersionWriter"/>'s; profile, diff, lineage and row previews are
/// <see cref="DatasetAnalysisService"/>'s; saving a console query is <see cref="DatasetQueryService"/>'s.
/// </summary>
public sealed class DatasetService(
    AccessService access,
    IDatasetStore store,
    IObjectStore objects,
    IScratchSpace scratch,
    DatasetVersionWriter writer,
    AuditRecorder audit,
    TimeProvider time) : ISecurableLookup
{
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
            throw new ValidationException("message", "A version message has at most 1000 characters.") { MessageKey = "Error.Data.MessageTooLong" };
        }

        return await writer.AddStreamAsync(dataset, content, format, fileName, message, "upload", (await access.RequireContextAsync(ct)).UserName, ct);
    }

    /// <summary>Platform work (payload logging), no caller involved: see <see cref="DatasetVersionWriter.AppendLinesAsync"/>.</summary>
    internal Task<UploadResult?> AppendLinesForWorkAsync(Guid id, IReadOnlyList<string> lines, string message, string author, int maxRows, CancellationToken ct) =>
        writer.AppendLinesAsync(id, lines, message, author, maxRows, ct);

    /// <summary>The dataset without an access check, for a schedule that checks its creator's rights itself.</summary>
    internal Task<Dataset?> FindForScheduleAsync(Guid id, CancellationToken ct) => store.FindAsync(id, ct);

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } d ? new SecurableObject(ObjectType, d.Id, d.Name, d.OwnerId) : null;

    /// <summary>The columnar copy when there is one (faster to read), else the content itself.</summary>
    internal Task<LocalObjectFile> ColumnarCopyAsync(DatasetVersion version, CancellationToken ct) =>
        version.ColumnarKey is { } columnar
            ? LocalObjectFile.OpenAsync(objects, scratch, Storage.ObjectKey.Parse(columnar), "parquet", ct)
            : LocalCopyAsync(version, ct);

    internal Task<LocalObjectFile> LocalCopyAsync(DatasetVersion version, CancellationToken ct) =>
        LocalObjectFile.OpenAsync(objects, scratch, Storage.ObjectKey.Parse(version.ObjectKey), version.Format.Extension(), ct);

    private static string? ValidDescription(string? description) =>
        description is { Length: > 20000 } ? throw new ValidationException("description", "A description has at most 20000 characters.") { MessageKey = "Error.Data.DescriptionTooLong" } : description?.Trim();

    private static List<string> ValidTags(IReadOnlyCollection<string>? tags)
    {
        var clean = (tags ?? []).Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToList();
        if (clean.Count > 20 || clean.Any(t => t.Length > 40 || t.Contains(' ', StringComparison.Ordinal) || t.Contains(',', StringComparison.Ordinal)))
        {
            throw new ValidationException("tags", "Up to 20 tags of at most 40 characters, without spaces or commas.") { MessageKey = "Error.Data.Tags" };
        }

        return clean;
    }

    private async Task<string> ValidNameAsync(Guid ownerId, string name, Guid? except, CancellationToken ct)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 100)
        {
            throw new ValidationException("name", "A dataset name has 1 to 100 characters.") { MessageKey = "Error.Data.Name" };
        }

        if (await store.NameTakenAsync(ownerId, trimmed, except, ct))
        {
            throw new ValidationException("name", $"You already have a dataset named '{trimmed}'.") { MessageKey = "Error.Data.NameTaken", MessageArguments = [trimmed] };
        }

        return trimmed;
    }
}
