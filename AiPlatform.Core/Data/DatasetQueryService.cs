using AiPlatform.Core.Access;

namespace AiPlatform.Core.Data;

/// <summary>Turns a SQL console query into a dataset version, recording the query and the datasets it read as lineage.</summary>
public sealed class DatasetQueryService(DatasetService datasets, AccessService access, SqlConsoleService sql, DatasetVersionWriter writer)
{
    /// <summary>Saves the result of a console query as a new version (Parquet) of a dataset the caller may write; records the query as lineage.</summary>
    public async Task<UploadResult> SaveQueryResultAsync(Guid id, string query, string? message, CancellationToken ct)
    {
        var (dataset, _) = await datasets.GetAsync(id, ct);
        await access.RequireLevelAsync(SecurableTypes.Dataset, id, dataset.OwnerId, PermissionLevel.Write, ct);
        var (path, sources) = await sql.ExportAsync(query, ct);
        try
        {
            var detail = System.Text.Json.JsonSerializer.Serialize(new { sql = query, datasets = sources.Select(s => s.ViewName) });
            return await writer.AddFileAsync(dataset, path, DatasetFormat.Parquet, "query.parquet", message, "query", detail, (await access.RequireContextAsync(ct)).UserName, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
