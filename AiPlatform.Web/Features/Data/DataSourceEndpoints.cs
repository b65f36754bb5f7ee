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
        group.MapGet("/", async (DataSourceService s, CancellationToken ct) => TypedResults.Ok((await s.ListAsync(ct)).Select(d => DataSourceView.From(d, null)).ToList())).WithName("ListDataSources");
        group.MapPost("/", async (DataSourceInput body, DataSourceService s, CancellationToken ct) =>
        {
            var source = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/data-sources/{source.Id}", DataSourceView.From(source, PermissionLevel.Manage));
        }).WithName("CreateDataSource").WithSummary("The password is stored encrypted and never returned.");
        group.MapGet("/{id:guid}", async (Guid id, DataSourceService s, CancellationToken ct) =>
        {
            var (source, level) = await s.GetAsync(id, ct);
            return TypedResults.Ok(DataSourceView.From(source, level));
        }).WithName("GetDataSource");
        group.MapPut("/{id:guid}", async (Guid id, DataSourceInput body, DataSourceService s, CancellationToken ct) =>
            TypedResults.Ok(DataSourceView.From(await s.UpdateAsync(id, body, ct), null))).WithName("UpdateDataSource").WithSummary("A null password keeps the stored one while host, port, database, user and TLS stay the same (a change clears it unless it is given again); an empty one removes it.");
        group.MapDelete("/{id:guid}", async (Guid id, DataSourceService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteDataSource");
        group.MapPost("/{id:guid}/test", async (Guid id, DataSourceService s, CancellationToken ct) =>
        {
            await s.TestAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("TestDataSource").WithSummary("204 when the platform can connect; otherwise a validation problem saying why (without the password).");
        group.MapGet("/{id:guid}/tables", async (Guid id, DataSourceService s, CancellationToken ct) => TypedResults.Ok(await s.ListTablesAsync(id, ct))).WithName("ListDataSourceTables");
        group.MapPost("/{id:guid}/import", async (Guid id, ImportRequest body, DataSourceService s, CancellationToken ct) =>
        {
            var job = await s.ImportAsync(id, body.DatasetId, body.Table, body.Query, body.Message, ct);
            return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", new { jobId = job.Id });
        }).WithName("ImportFromDataSource").WithSummary("Queues a dataset.import job: a table or a read-only query becomes a new version of the dataset (none if unchanged).");
        group.MapGet("/{id:guid}/schedules", async (Guid id, DataSourceService s, CancellationToken ct) => TypedResults.Ok(await s.ListSchedulesAsync(id, ct))).WithName("ListImportSchedules");
        group.MapPost("/{id:guid}/schedules", async (Guid id, ScheduleRequest body, DataSourceService s, CancellationToken ct) =>
        {
            var schedule = await s.ScheduleAsync(id, body.DatasetId, body.Table, body.Query, body.Cron ?? string.Empty, ct);
            return TypedResults.Created($"/api/v1/data-sources/{id}/schedules/{schedule.Id}", schedule);
        }).WithName("CreateImportSchedule").WithSummary("Re-imports on a cron schedule (UTC); a run makes a version only when the content changed.");
        group.MapDelete("/{id:guid}/schedules/{scheduleId:guid}", async (Guid id, Guid scheduleId, DataSourceService s, CancellationToken ct) =>
        {
            await s.DeleteScheduleAsync(id, scheduleId, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteImportSchedule");
        group.MapGrantEndpoints(SecurableTypes.DataSource, "DataSource");
        return group;
    }
}

public sealed record ScheduleRequest(Guid DatasetId, string? Table, string? Query, string? Cron);

public sealed record ImportRequest(Guid DatasetId, string? Table, string? Query, string? Message);

/// <summary>A data source as the API shows it: never the password, only whether one is stored (<c>hasSecret</c>; <c>hasPassword</c> is the older name).</summary>
public sealed record DataSourceView(Guid Id, string Name, DataSourceKind Kind, string Host, int Port, string Database, string UserName, DataSourceTls Tls, bool HasSecret, bool HasPassword, Guid OwnerId, DateTimeOffset CreatedAt, PermissionLevel? Permission)
{
    public static DataSourceView From(DataSource s, PermissionLevel? level) =>
        new(s.Id, s.Name, s.Kind, s.Host, s.Port, s.Database, s.UserName, s.Tls, s.ProtectedPassword is not null, s.ProtectedPassword is not null, s.OwnerId, s.CreatedAt, level);
}
