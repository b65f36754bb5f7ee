using System.Text.Json;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>Job <c>dataset.import</c>: streams a table or query from a data source to CSV and adds it as a version (none when unchanged).</summary>
public sealed class ImportDatasetHandler(IDataSourceStore sources, IDatabaseConnector connector, ISecretProtector secrets, DatasetVersionWriter writer, IScratchSpace scratch) : IJobHandler
{
    public const string JobKind = "dataset.import";

    public string Kind => JobKind;

    public string? StartCapability => null;

    public bool RestartOnInterrupt => true;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var p = context.GetParameters<ImportParameters>() ?? throw new InvalidOperationException("The job has no import parameters.");
        var source = await sources.FindAsync(p.SourceId, ct) ?? throw new InvalidOperationException("The data source no longer exists.");
        var connection = new DatabaseConnection(source.Kind, source.Host, source.Port, source.Database, source.UserName, source.ProtectedPassword is null ? null : secrets.Unprotect(source.ProtectedPassword), source.Tls);
        var format = connector.ExportFormat(source.Kind);
        var path = scratch.NewFilePath(format.Extension());
        try
        {
            await context.LogAsync($"Reading {(p.Table is not null ? $"table {p.Table}" : "the query")} from {source.Name}.", p.Table is not null ? JobText.Of("JobLog.ReadingTable", p.Table, source.Name) : JobText.Of("JobLog.ReadingQuery", source.Name), ct);
            var progress = new Progress<long>(rows => _ = context.ReportProgressAsync(0.5, $"{rows:N0} rows read", CancellationToken.None));
            var rows = await connector.ExportAsync(connection, p.Table, p.Query, path, progress, ct);
            await context.ReportProgressAsync(0.8, $"{rows:N0} rows read; storing the version", ct);
            var detail = JsonSerializer.Serialize(new { source = source.Name, sourceId = source.Id, table = p.Table, query = p.Query });
            var result = await writer.ImportFileAsync(p.DatasetId, path, format, $"{source.Name}.{format.Extension()}", p.Message, "import", detail, context.Job.CreatedBy ?? "system", ct);
            await context.LogAsync(result.Created ? $"Created version {result.Version.Number} with {rows:N0} rows." : $"The content is unchanged: version {result.Version.Number} already holds it.", result.Created ? JobText.Of("JobLog.VersionCreated", result.Version.Number, rows) : JobText.Of("JobLog.VersionUnchanged", result.Version.Number), ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public sealed record ImportParameters(Guid SourceId, Guid DatasetId, string? Table, string? Query, string? Message);
}
