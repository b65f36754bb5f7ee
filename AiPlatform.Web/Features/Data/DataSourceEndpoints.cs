using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

using AiPlatform.Web.Features.Access;

namespace AiPlatform.Web.Features.Data;

public static class DataSourceEndpoints
{
    public static RouteGroupBuilder MapDataSourceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/data-sources").WithTags("Data sources");
        group.MapGet("/", ListAsync).WithName("ListDataSources");
        group.MapPost("/", CreateAsync).WithName("CreateDataSource").WithSummary("The password is stored encrypted and never returned.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetDataSource");
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateDataSource").WithSummary("A null password keeps the stored one while host, port, database, user and TLS stay the same (a change clears it unless it is given again); an empty one removes it.");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteDataSource");
        group.MapPost("/{id:guid}/test", TestAsync).WithName("TestDataSource").WithSummary("204 when the platform can connect; otherwise a validation problem saying why (without the password).");
        group.MapGet("/{id:guid}/tables", ListTablesAsync).WithName("ListDataSourceTables");
        group.MapPost("/{id:guid}/import", ImportAsync).WithName("ImportFromDataSource").WithSummary("Queues a dataset.import job: a table or a read-only query becomes a new version of the dataset (none if unchanged).");
        group.MapGet("/{id:guid}/schedules", ListSchedulesAsync).WithName("ListImportSchedules");
        group.MapPost("/{id:guid}/schedules", ScheduleAsync).WithName("CreateImportSchedule").WithSummary("Re-imports on a cron schedule (UTC); a run makes a version only when the content changed.");
        group.MapDelete("/{id:guid}/schedules/{scheduleId:guid}", DeleteScheduleAsync).WithName("DeleteImportSchedule");
        group.MapGrantEndpoints(SecurableTypes.DataSource, "DataSource");
        return group;
    }

    static async Task<Ok<List<DataSourceView>>> ListAsync(DataSourceService sources, CancellationToken ct) =>
        TypedResults.Ok((await sources.ListAsync(ct)).Select(d => DataSourceView.From(d, null)).ToList());

    static async Task<Created<DataSourceView>> CreateAsync(DataSourceInput body, DataSourceService sources, CancellationToken ct)
    {
        var source = await sources.CreateAsync(body, ct);
        return TypedResults.Created($"/api/v1/data-sources/{source.Id}", DataSourceView.From(source, PermissionLevel.Manage));
    }

    static async Task<Ok<DataSourceView>> GetAsync(Guid id, DataSourceService sources, CancellationToken ct)
    {
        var (source, level) = await sources.GetAsync(id, ct);
        return TypedResults.Ok(DataSourceView.From(source, level));
    }

    static async Task<Ok<DataSourceView>> UpdateAsync(Guid id, DataSourceInput body, DataSourceService sources, CancellationToken ct) =>
        TypedResults.Ok(DataSourceView.From(await sources.UpdateAsync(id, body, ct), null));

    static async Task<NoContent> DeleteAsync(Guid id, DataSourceService sources, CancellationToken ct)
    {
        await sources.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> TestAsync(Guid id, DataSourceService sources, CancellationToken ct)
    {
        await sources.TestAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<string>>> ListTablesAsync(Guid id, DataSourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.ListTablesAsync(id, ct));

    static async Task<Accepted<ImportAccepted>> ImportAsync(Guid id, ImportRequest body, DataSourceImportService imports, CancellationToken ct)
    {
        var job = await imports.ImportAsync(id, body.DatasetId, body.Table, body.Query, body.Message, ct);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", new ImportAccepted(job.Id));
    }

    static async Task<Ok<IReadOnlyList<ScheduledImport>>> ListSchedulesAsync(Guid id, ImportScheduleService schedules, CancellationToken ct) =>
        TypedResults.Ok(await schedules.ListSchedulesAsync(id, ct));

    static async Task<Created<ScheduledImport>> ScheduleAsync(Guid id, ScheduleRequest body, ImportScheduleService schedules, CancellationToken ct)
    {
        var schedule = await schedules.ScheduleAsync(id, body.DatasetId, body.Table, body.Query, body.Cron ?? string.Empty, ct);
        return TypedResults.Created($"/api/v1/data-sources/{id}/schedules/{schedule.Id}", schedule);
    }

    static async Task<NoContent> DeleteScheduleAsync(Guid id, Guid scheduleId, ImportScheduleService schedules, CancellationToken ct)
    {
        await schedules.DeleteScheduleAsync(id, scheduleId, ct);
        return TypedResults.NoContent();
    }
}

public sealed record ScheduleRequest(Guid DatasetId, string? Table, string? Query, string? Cron);

public sealed record ImportRequest(Guid DatasetId, string? Table, string? Query, string? Message);

/// <summary>The import job queued (<c>Location</c> points at it).</summary>
public sealed record ImportAccepted(Guid JobId);

/// <summary>A data source as the API shows it: never the password, only whether one is stored (<c>hasSecret</c>; <c>hasPassword</c> is the older name).</summary>
public sealed record DataSourceView(Guid Id, string Name, DataSourceKind Kind, string Host, int Port, string Database, string UserName, DataSourceTls Tls, bool HasSecret, bool HasPassword, Guid OwnerId, DateTimeOffset CreatedAt, PermissionLevel? Permission)
{
    public static DataSourceView From(DataSource s, PermissionLevel? level) =>
        new(s.Id, s.Name, s.Kind, s.Host, s.Port, s.Database, s.UserName, s.Tls, s.ProtectedPassword is not null, s.ProtectedPassword is not null, s.OwnerId, s.CreatedAt, level);
}
