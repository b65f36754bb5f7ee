using AiPlatform.Core.Access;
using AiPlatform.Core.Registry;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Models;

/// <summary>The model registry's platform API: models, versions (from runs or uploads), stages with history, aliases, files.</summary>
public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/models").WithTags("Models");
        group.MapGet("/", async (RegistryService r, CancellationToken ct, string? q = null, int page = 0, int pageSize = 25) =>
        {
            var size = Math.Clamp(pageSize, 1, 500);
            var (items, total) = await r.ListModelsAsync(q, Math.Max(0, page) * size, size, ct);
            return TypedResults.Ok(new ModelList(items, total, Math.Max(0, page), size));
        }).WithName("ListModels");
        group.MapPost("/", async (ModelRequest body, RegistryService r, CancellationToken ct) =>
        {
            var model = await r.CreateModelAsync(body.Name, body.Description, body.Tags, ct);
            return TypedResults.Created($"/api/v1/models/{model.Id}", ModelView.From(await r.GetModelAsync(model.Id, ct)));
        }).WithName("CreateModel");
        group.MapGet("/{id:guid}", async (Guid id, RegistryService r, CancellationToken ct) => TypedResults.Ok(ModelView.From(await r.GetModelAsync(id, ct)))).WithName("GetModel");
        group.MapPut("/{id:guid}", async (Guid id, ModelRequest body, RegistryService r, CancellationToken ct) =>
        {
            await r.UpdateModelAsync(id, body.Name, body.Description, ct);
            return TypedResults.Ok(ModelView.From(await r.GetModelAsync(id, ct)));
        }).WithName("UpdateModel");
        group.MapDelete("/{id:guid}", async (Guid id, RegistryService r, CancellationToken ct) =>
        {
            await r.DeleteModelAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteModel");
        group.MapGet("/{id:guid}/history", async (Guid id, RegistryService r, CancellationToken ct) => TypedResults.Ok(await r.ListTransitionsAsync(id, ct)))
            .WithName("GetModelStageHistory").WithSummary("Every stage change of every version: who, when, from, to.");
        group.MapPost("/{id:guid}/versions", async (Guid id, VersionRequest body, RegistryService r, CancellationToken ct) =>
        {
            var version = await r.CreateVersionFromRunAsync(id, body.Source, body.RunId, body.Description, body.Tags, ct);
            return TypedResults.Created($"/api/v1/models/{id}/versions/{version.Version}", VersionView.From(await r.GetVersionAsync(id, version.Version, ct)));
        }).WithName("CreateModelVersion").WithSummary("Registers a run's artifacts: source runs:/<run id>/<path> (or runId + path).");
        group.MapPost("/{id:guid}/versions/upload", async (Guid id, string fileName, HttpRequest request, RegistryService r, CancellationToken ct, string? description = null) =>
        {
            var version = await r.CreateVersionFromUploadAsync(id, fileName, request.Body, description, ct);
            return TypedResults.Created($"/api/v1/models/{id}/versions/{version.Version}", VersionView.From(await r.GetVersionAsync(id, version.Version, ct)));
        }).WithName("UploadModelVersion").WithSummary("Registers an ONNX file (?fileName=x.onnx) or ML.NET model (.zip) from the raw body.").DisableAntiforgery();
        group.MapGet("/{id:guid}/versions/{version:int}", async (Guid id, int version, RegistryService r, CancellationToken ct) => TypedResults.Ok(VersionView.From(await r.GetVersionAsync(id, version, ct))))
            .WithName("GetModelVersion").WithSummary("The version with its signature, files, tags, aliases and source run.");
        group.MapPatch("/{id:guid}/versions/{version:int}", async (Guid id, int version, VersionRequest body, RegistryService r, CancellationToken ct) =>
        {
            await r.UpdateVersionAsync(id, version, body.Description, ct);
            return TypedResults.Ok(VersionView.From(await r.GetVersionAsync(id, version, ct)));
        }).WithName("UpdateModelVersion");
        group.MapPost("/{id:guid}/versions/{version:int}/stage", async (Guid id, int version, StageRequest body, RegistryService r, CancellationToken ct) =>
        {
            await r.TransitionStageAsync(id, version, body.Stage, body.ArchiveExisting, ct);
            return TypedResults.Ok(VersionView.From(await r.GetVersionAsync(id, version, ct)));
        }).WithName("TransitionModelVersionStage");
        group.MapDelete("/{id:guid}/versions/{version:int}", async (Guid id, int version, RegistryService r, CancellationToken ct) =>
        {
            await r.DeleteVersionAsync(id, version, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteModelVersion");
        group.MapGet("/{id:guid}/versions/{version:int}/files/{**path}", async (Guid id, int version, string path, RegistryService r, CancellationToken ct) =>
        {
            var (file, content) = await r.OpenFileAsync(id, version, path, ct);
            return TypedResults.Stream(content, "application/octet-stream", Path.GetFileName(file.Path));
        }).WithName("DownloadModelFile");
        group.MapPut("/{id:guid}/aliases/{alias}", async (Guid id, string alias, AliasRequest body, RegistryService r, CancellationToken ct) =>
        {
            await r.SetAliasAsync(id, alias, body.Version, ct);
            return TypedResults.NoContent();
        }).WithName("SetModelAlias");
        group.MapDelete("/{id:guid}/aliases/{alias}", async (Guid id, string alias, RegistryService r, CancellationToken ct) =>
        {
            await r.DeleteAliasAsync(id, alias, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteModelAlias");
        group.MapGrantEndpoints(SecurableTypes.RegisteredModel, "Model");
        return group;
    }
}

public sealed record ModelRequest(string? Name, string? Description, Dictionary<string, string>? Tags);

public sealed record VersionRequest(string? Source, string? RunId, string? Description, Dictionary<string, string>? Tags);

public sealed record StageRequest(ModelStage Stage, bool ArchiveExisting);

public sealed record AliasRequest(int Version);

public sealed record ModelList(IReadOnlyList<RegisteredModel> Items, int TotalCount, int Page, int PageSize);

public sealed record ModelView(RegisteredModel Model, PermissionLevel Permission, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<ModelVersion> Versions, IReadOnlyDictionary<string, int> Aliases)
{
    public static ModelView From(ModelDetails d) => new(d.Model, d.Level, d.Tags.ToDictionary(t => t.Key, t => t.Value), d.Versions, d.Aliases.ToDictionary(a => a.Alias, a => a.Version));
}

public sealed record VersionView(string ModelName, ModelVersion Version, ModelSignature? Signature, OnnxGraphFacts? GraphFacts, ConversionReport? Conversion, IReadOnlyList<ModelFile> Files, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Aliases)
{
    public static VersionView From(VersionDetails d) => new(d.Model.Name, d.Version, d.Signature, d.GraphFacts, d.Conversion, d.Files, d.Tags.ToDictionary(t => t.Key, t => t.Value), d.Aliases);
}
