using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Projects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

using AiPlatform.Web.Features.Access;

namespace AiPlatform.Web.Features.Data;

public static class DatasetEndpoints
{
    public static RouteGroupBuilder MapDatasetEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/datasets").WithTags("Datasets");
        group.MapGet("/", ListAsync).WithName("ListDatasets").WithSummary("Datasets the caller may read; filter by text (q) or tag.");
        group.MapPost("/", CreateAsync).WithName("CreateDataset");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetDataset");
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateDataset");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteDataset");
        group.MapGet("/{id:guid}/versions", ListVersionsAsync).WithName("ListDatasetVersions");
        group.MapPost("/{id:guid}/versions", UploadAsync).WithName("UploadDatasetVersion")
            .WithSummary("Adds a version from the raw request body (the file itself, any content type); ?fileName=data.csv names its format. 201 for a new version, 200 when the same content already is one.")
            .DisableAntiforgery();
        group.MapGet("/{id:guid}/versions/{versionId:guid}", GetVersionAsync).WithName("GetDatasetVersion");
        group.MapGet("/{id:guid}/versions/{versionId:guid}/rows", ReadRowsAsync).WithName("ReadDatasetRows").WithSummary("A page of rows (offset, limit ≤ 1000), optionally sorted by a column.");
        group.MapGet("/{id:guid}/versions/{versionId:guid}/profile", GetProfileAsync).WithName("GetDatasetProfile")
            .WithSummary("The version's column profile; profile is null (pending) until the dataset.profile job has run.");
        group.MapPost("/{id:guid}/versions/{versionId:guid}/profile", RequestProfileAsync).WithName("ProfileDatasetVersion").WithSummary("Profiles the version again (a job).");
        group.MapGet("/{id:guid}/versions/{versionId:guid}/lineage", GetLineageAsync).WithName("GetDatasetLineage").WithSummary("Parent, producing upload/query/import with its inputs, and the versions derived from this dataset.");
        group.MapGet("/{id:guid}/diff", DiffAsync).WithName("DiffDatasetVersions")
            .WithSummary("Schema changes, row-count change and, with ?key=<column>, added/removed/changed rows between two versions.");
        group.MapGrantEndpoints(SecurableTypes.Dataset, "Dataset");
        return group;
    }

    static async Task<Ok<Paged<DatasetView>>> ListAsync(DatasetService datasets, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null, string? tag = null)
    {
        var request = paging.ToRequest();
        var result = await datasets.ListAsync(q, tag, request, ct);
        return TypedResults.Ok(Paged<DatasetView>.Of([.. result.Items.Select(d => DatasetView.From(d, null))], result.TotalCount, request));
    }

    static async Task<Created<DatasetView>> CreateAsync(DatasetRequest body, DatasetService datasets, CancellationToken ct)
    {
        var dataset = await datasets.CreateAsync(body.Name ?? string.Empty, body.Description, body.Tags, ct);
        return TypedResults.Created($"/api/v1/datasets/{dataset.Id}", DatasetView.From(dataset, PermissionLevel.Manage));
    }

    static async Task<Ok<DatasetView>> GetAsync(Guid id, DatasetService datasets, CancellationToken ct)
    {
        var (dataset, level) = await datasets.GetAsync(id, ct);
        return TypedResults.Ok(DatasetView.From(dataset, level));
    }

    static async Task<Ok<DatasetView>> UpdateAsync(Guid id, DatasetRequest body, DatasetService datasets, CancellationToken ct)
    {
        var dataset = await datasets.UpdateAsync(id, body.Name ?? string.Empty, body.Description, body.Tags, ct);
        return TypedResults.Ok(DatasetView.From(dataset, (await datasets.GetAsync(id, ct)).Level));
    }

    static async Task<NoContent> DeleteAsync(Guid id, DatasetService datasets, CancellationToken ct)
    {
        await datasets.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Results<Created<DatasetVersion>, Ok<DatasetVersion>>> UploadAsync(Guid id, HttpContext http, DatasetService datasets, DatasetSettings settings, CancellationToken ct, string? fileName = null, string? message = null)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxUploadBytes;
        }

        var result = await datasets.UploadAsync(id, http.Request.Body, fileName ?? string.Empty, message, ct);
        return result.Created
            ? TypedResults.Created($"/api/v1/datasets/{id}/versions/{result.Version.Id}", result.Version)
            : TypedResults.Ok(result.Version);
    }

    static async Task<Ok<IReadOnlyList<DatasetVersion>>> ListVersionsAsync(Guid id, DatasetService datasets, CancellationToken ct) =>
        TypedResults.Ok(await datasets.ListVersionsAsync(id, ct));

    static async Task<Ok<DatasetVersion>> GetVersionAsync(Guid id, Guid versionId, DatasetService datasets, CancellationToken ct) =>
        TypedResults.Ok(await datasets.GetVersionAsync(id, versionId, ct));

    static async Task<Ok<DatasetRows>> ReadRowsAsync(Guid id, Guid versionId, DatasetAnalysisService analysis, CancellationToken ct, int offset = 0, int limit = 50, string? sort = null, bool desc = false) =>
        TypedResults.Ok(await analysis.ReadRowsAsync(id, versionId, offset, limit, sort, desc, ct));

    static async Task<Ok<ProfileResponse>> GetProfileAsync(Guid id, Guid versionId, DatasetAnalysisService analysis, CancellationToken ct) =>
        TypedResults.Ok(new ProfileResponse(await analysis.GetProfileAsync(id, versionId, ct) is { } p ? p : null));

    static async Task<Accepted> RequestProfileAsync(Guid id, Guid versionId, DatasetAnalysisService analysis, CancellationToken ct) =>
        TypedResults.Accepted($"/api/v1/jobs/{(await analysis.RequestProfileAsync(id, versionId, ct)).Id}");

    static async Task<Ok<DatasetLineage>> GetLineageAsync(Guid id, Guid versionId, DatasetAnalysisService analysis, CancellationToken ct) =>
        TypedResults.Ok(await analysis.GetLineageAsync(id, versionId, ct));

    static async Task<Ok<DatasetDiff>> DiffAsync(Guid id, Guid from, Guid to, DatasetAnalysisService analysis, CancellationToken ct, string? key = null) =>
        TypedResults.Ok(await analysis.DiffAsync(id, from, to, key, ct));
}

public sealed record DatasetRequest(string? Name, string? Description, IReadOnlyList<string>? Tags);

/// <summary>A dataset; <see cref="Permission"/> is the caller's level on it (left out in lists).</summary>
public sealed record DatasetView(Guid Id, string Name, string? Description, IReadOnlyList<string> Tags, Guid OwnerId, int VersionCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, PermissionLevel? Permission)
{
    public static DatasetView From(Dataset d, PermissionLevel? level) => new(d.Id, d.Name, d.Description, d.Tags, d.OwnerId, d.VersionCount, d.CreatedAt, d.UpdatedAt, level);
}

/// <summary>A version's profile; <see cref="Pending"/> while the profiling job has not finished.</summary>
public sealed record ProfileResponse(DatasetProfile? Profile)
{
    public bool Pending => Profile is null;
}
