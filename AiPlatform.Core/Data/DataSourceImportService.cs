using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Jobs;

namespace AiPlatform.Core.Data;

/// <summary>Imports from a data source on request: a table or a read-only query becomes a new version of a dataset (a job).</summary>
public sealed class DataSourceImportService(DataSourceService sources, DatasetService datasets, AccessService access, JobService jobs, AuditRecorder audit)
{
    /// <summary>Queues an import of a table or a read-only query into a new version of a dataset the caller may write.</summary>
    public async Task<JobRecord> ImportAsync(Guid id, Guid datasetId, string? table, string? query, string? message, CancellationToken ct)
    {
        var (source, _) = await sources.GetAsync(id, ct);
        var (dataset, _) = await datasets.GetAsync(datasetId, ct);
        await access.RequireLevelAsync(SecurableTypes.Dataset, datasetId, dataset.OwnerId, PermissionLevel.Write, ct);
        DataSourceService.RequireTarget(source.Kind, table, query);

        var context = await access.RequireContextAsync(ct);
        var parameters = new ImportDatasetHandler.ImportParameters(source.Id, dataset.Id, table?.Trim(), query?.Trim(), message);
        var entry = await audit.EntryAsync("datasource.import", SecurableTypes.DataSource, source.Id, new { dataset = dataset.Name, table = parameters.Table, query = parameters.Query is { Length: > 1000 } q ? q[..1000] + "…" : parameters.Query }, ct);
        return await jobs.EnqueueAsync(
            new JobRequest(ImportDatasetHandler.JobKind, $"{source.Name} → {dataset.Name}", SecurableTypes.Dataset, dataset.Id.ToString(), JsonSerializer.SerializeToElement(parameters), JobText.Of("JobTitle.Import", source.Name, dataset.Name)),
            context.UserName,
            entry,
            ct);
    }
}
