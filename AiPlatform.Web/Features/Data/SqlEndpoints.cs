using System.Text;
using AiPlatform.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Data;

public static class SqlEndpoints
{
    public static RouteGroupBuilder MapSqlEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sql").WithTags("SQL console");
        group.MapPost("/", RunAsync)
            .WithName("RunSql").WithSummary("Runs one read-only DuckDB query over the datasets you may read (by name, latest version); row, time and memory limits apply.");
        group.MapPost("/export.csv", ExportAsync)
            .WithName("ExportSql").WithSummary("The query's rows (up to the row limit) as CSV.");
        app.MapPost("/api/v1/datasets/{id:guid}/versions/from-query", SaveAsync).WithTags("Datasets").WithName("SaveQueryAsDatasetVersion")
            .WithSummary("Saves a query's full result as a new Parquet version of the dataset (needs Write); the query is kept as lineage.");
        return group;
    }

    static async Task<Ok<SqlResult>> RunAsync(SqlRequest body, SqlConsoleService console, CancellationToken ct) =>
        TypedResults.Ok(await console.RunAsync(body.Sql ?? string.Empty, ct));

    static async Task<FileContentHttpResult> ExportAsync(SqlRequest body, SqlConsoleService console, CancellationToken ct) =>
        TypedResults.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ToCsv(await console.RunAsync(body.Sql ?? string.Empty, ct)))).ToArray(), "text/csv", "result.csv");

    static async Task<Results<Created<DatasetVersion>, Ok<DatasetVersion>>> SaveAsync(Guid id, SaveQueryRequest body, DatasetQueryService queries, CancellationToken ct)
    {
        var result = await queries.SaveQueryResultAsync(id, body.Sql ?? string.Empty, body.Message, ct);
        return result.Created
            ? TypedResults.Created($"/api/v1/datasets/{id}/versions/{result.Version.Id}", result.Version)
            : TypedResults.Ok(result.Version);
    }

    /// <summary>RFC 4180 CSV; cells starting with = + - @ are prefixed with ' so spreadsheets do not run them.</summary>
    public static string ToCsv(SqlResult result)
    {
        static string Cell(string? value)
        {
            if (value is null)
            {
                return string.Empty;
            }

            var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' && !double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _) ? "'" + value : value;
            return safe.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{safe.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : safe;
        }

        var builder = new StringBuilder();
        builder.AppendLine(string.Join(',', result.Columns.Select(c => Cell(c.Name))));
        foreach (var row in result.Rows)
        {
            builder.AppendLine(string.Join(',', row.Select(Cell)));
        }

        return builder.ToString();
    }
}

public sealed record SqlRequest(string? Sql);

public sealed record SaveQueryRequest(string? Sql, string? Message);
