using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Data;

/// <summary>What a version holds, for readers: its rows, its profile, how it differs from another version, its lineage.</summary>
public sealed class DatasetAnalysisService(
    DatasetService datasets,
    AccessService access,
    IDatasetStore store,
    IDatasetEngine engine,
    Jobs.JobService jobs,
    AuditRecorder audit)
{
    public const int MaxPreviewRows = 1000;

    /// <summary>Compares two versions of a dataset: schema, row counts and, with a key column present in both, rows.</summary>
    public async Task<DatasetDiff> DiffAsync(Guid id, Guid fromVersionId, Guid toVersionId, string? key, CancellationToken ct)
    {
        var from = await datasets.GetVersionAsync(id, fromVersionId, ct);
        var to = await datasets.GetVersionAsync(id, toVersionId, ct);
        var fromColumns = from.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var toColumns = to.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var shared = from.Columns.Select(c => c.Name).Where(toColumns.ContainsKey).ToList();
        RowDiff? rows = null;
        if (!string.IsNullOrEmpty(key))
        {
            if (!shared.Contains(key))
            {
                throw new ValidationException("key", $"'{key}' is not a column of both versions.") { MessageKey = "Error.Data.DiffKey", MessageArguments = [key] };
            }

            await using var fromFile = await datasets.LocalCopyAsync(from, ct);
            await using var toFile = await datasets.LocalCopyAsync(to, ct);
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
        var (dataset, _) = await datasets.GetAsync(id, ct);
        var version = await datasets.GetVersionAsync(id, versionId, ct);
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
        var version = await datasets.GetVersionAsync(id, versionId, ct);
        return await store.FindProfileAsync(version.Id, ct);
    }

    /// <summary>Profiles the version again (a job); needs Write.</summary>
    public async Task<Jobs.JobRecord> RequestProfileAsync(Guid id, Guid versionId, CancellationToken ct)
    {
        var (dataset, _) = await datasets.GetAsync(id, ct);
        await access.RequireLevelAsync(SecurableTypes.Dataset, id, dataset.OwnerId, PermissionLevel.Write, ct);
        var version = await datasets.GetVersionAsync(id, versionId, ct);
        return await jobs.EnqueueAsync(
            DatasetVersionWriter.ProfileRequest(dataset, version),
            (await access.RequireContextAsync(ct)).UserName,
            await audit.EntryAsync("dataset.version.profile", SecurableTypes.Dataset, id, new { version = version.Number }, ct),
            ct);
    }

    /// <summary>A page of a version's rows, optionally sorted by a column.</summary>
    public async Task<DatasetRows> ReadRowsAsync(Guid id, Guid versionId, int offset, int limit, string? sortColumn, bool descending, CancellationToken ct)
    {
        var version = await datasets.GetVersionAsync(id, versionId, ct);
        if (sortColumn is not null && version.Columns.All(c => c.Name != sortColumn))
        {
            throw new ValidationException("sort", $"'{sortColumn}' is not a column of this version.") { MessageKey = "Error.Data.SortColumn", MessageArguments = [sortColumn] };
        }

        await using var file = await datasets.ColumnarCopyAsync(version, ct);
        return await engine.ReadAsync(file.Path, DatasetFormat.Parquet == version.Format || version.ColumnarKey is not null ? DatasetFormat.Parquet : version.Format, Math.Max(0, offset), Math.Clamp(limit, 1, MaxPreviewRows), sortColumn, descending, ct);
    }
}
