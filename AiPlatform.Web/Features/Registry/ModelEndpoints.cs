using AiPlatform.Core.Access;
using AiPlatform.Core.Registry;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Registry;

/// <summary>The model registry's platform API: models, versions (from runs or uploads), stages with history, aliases, files.</summary>
public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/models").WithTags("Models");
        group.MapGet("/", ListAsync).WithName("ListModels");
        group.MapPost("/", CreateAsync).WithName("CreateModel");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetModel");
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateModel");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteModel");
        group.MapGet("/{id:guid}/history", HistoryAsync)
            .WithName("GetModelStageHistory").WithSummary("Every stage change of every version: who, when, from, to.");
        group.MapPost("/{id:guid}/versions", CreateVersionAsync)
            .WithName("CreateModelVersion").WithSummary("Registers a run's artifacts: source runs:/<run id>/<path> (or runId + path).");
        group.MapPost("/{id:guid}/versions/upload", UploadVersionAsync)
            .WithName("UploadModelVersion").WithSummary("Registers an ONNX file (?fileName=x.onnx) or ML.NET model (.zip) from the raw body.").DisableAntiforgery();
        group.MapGet("/{id:guid}/versions/{version:int}", GetVersionAsync)
            .WithName("GetModelVersion").WithSummary("The version with its signature, files, tags, aliases and source run.");
        group.MapPatch("/{id:guid}/versions/{version:int}", UpdateVersionAsync).WithName("UpdateModelVersion");
        group.MapPost("/{id:guid}/versions/{version:int}/stage", TransitionStageAsync).WithName("TransitionModelVersionStage");
        group.MapDelete("/{id:guid}/versions/{version:int}", DeleteVersionAsync).WithName("DeleteModelVersion");
        group.MapGet("/{id:guid}/versions/{version:int}/files/{**path}", DownloadFileAsync).WithName("DownloadModelFile");
        group.MapPut("/{id:guid}/aliases/{alias}", SetAliasAsync).WithName("SetModelAlias");
        group.MapDelete("/{id:guid}/aliases/{alias}", DeleteAliasAsync).WithName("DeleteModelAlias");
        group.MapGrantEndpoints(SecurableTypes.RegisteredModel, "Model");
        return group;
    }

    static async Task<Ok<Paged<RegisteredModel>>> ListAsync(RegistryService r, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null)
    {
        var request = paging.ToRequest(500);
        var (items, total) = await r.ListModelsAsync(q, request.Skip, request.Take, ct);
        return TypedResults.Ok(Paged<RegisteredModel>.Of(items, total, request));
    }

    static async Task<Created<ModelView>> CreateAsync(ModelRequest body, RegistryService r, CancellationToken ct)
    {
        var model = await r.CreateModelAsync(body.Name, body.Description, body.Tags, ct);
        return TypedResults.Created($"/api/v1/models/{model.Id}", ModelView.From(await r.GetModelAsync(model.Id, ct)));
    }

    static async Task<Ok<ModelView>> GetAsync(Guid id, RegistryService r, CancellationToken ct) =>
        TypedResults.Ok(ModelView.From(await r.GetModelAsync(id, ct)));

    static async Task<Ok<ModelView>> UpdateAsync(Guid id, ModelRequest body, RegistryService r, CancellationToken ct)
    {
        await r.UpdateModelAsync(id, body.Name, body.Description, ct);
        return TypedResults.Ok(ModelView.From(await r.GetModelAsync(id, ct)));
    }

    static async Task<NoContent> DeleteAsync(Guid id, RegistryService r, CancellationToken ct)
    {
        await r.DeleteModelAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<StageTransition>>> HistoryAsync(Guid id, ModelVersionService v, CancellationToken ct) =>
        TypedResults.Ok(await v.ListTransitionsAsync(id, ct));

    static async Task<Created<VersionView>> CreateVersionAsync(Guid id, VersionRequest body, ModelRegistrar registrar, ModelVersionService v, CancellationToken ct)
    {
        var version = await registrar.CreateVersionFromRunAsync(id, body.Source, body.RunId, body.Description, body.Tags, ct);
        return TypedResults.Created($"/api/v1/models/{id}/versions/{version.Version}", VersionView.From(await v.GetVersionAsync(id, version.Version, ct)));
    }

    static async Task<Created<VersionView>> UploadVersionAsync(Guid id, string fileName, HttpRequest request, ModelRegistrar registrar, ModelVersionService v, CancellationToken ct, string? description = null)
    {
        var version = await registrar.CreateVersionFromUploadAsync(id, fileName, request.Body, description, ct);
        return TypedResults.Created($"/api/v1/models/{id}/versions/{version.Version}", VersionView.From(await v.GetVersionAsync(id, version.Version, ct)));
    }

    static async Task<Ok<VersionView>> GetVersionAsync(Guid id, int version, ModelVersionService v, CancellationToken ct) =>
        TypedResults.Ok(VersionView.From(await v.GetVersionAsync(id, version, ct)));

    static async Task<Ok<VersionView>> UpdateVersionAsync(Guid id, int version, VersionRequest body, ModelVersionService v, CancellationToken ct)
    {
        await v.UpdateVersionAsync(id, version, body.Description, ct);
        return TypedResults.Ok(VersionView.From(await v.GetVersionAsync(id, version, ct)));
    }

    static async Task<Ok<VersionView>> TransitionStageAsync(Guid id, int version, StageRequest body, ModelVersionService v, CancellationToken ct)
    {
        await v.TransitionStageAsync(id, version, body.Stage, body.ArchiveExisting, ct);
        return TypedResults.Ok(VersionView.From(await v.GetVersionAsync(id, version, ct)));
    }

    static async Task<NoContent> DeleteVersionAsync(Guid id, int version, ModelVersionService v, CancellationToken ct)
    {
        await v.DeleteVersionAsync(id, version, ct);
        return TypedResults.NoContent();
    }

    static async Task<FileStreamHttpResult> DownloadFileAsync(Guid id, int version, string path, ModelVersionService v, CancellationToken ct)
    {
        var (file, content) = await v.OpenFileAsync(id, version, path, ct);
        return TypedResults.Stream(content, "application/octet-stream", Path.GetFileName(file.Path));
    }

    static async Task<NoContent> SetAliasAsync(Guid id, string alias, AliasRequest body, ModelVersionService v, CancellationToken ct)
    {
        await v.SetAliasAsync(id, alias, body.Version, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> DeleteAliasAsync(Guid id, string alias, ModelVersionService v, CancellationToken ct)
    {
        await v.DeleteAliasAsync(id, alias, ct);
        return TypedResults.NoContent();
    }
}

public sealed record ModelRequest(string? Name, string? Description, Dictionary<string, string>? Tags);

public sealed record VersionRequest(string? Source, string? RunId, string? Description, Dictionary<string, string>? Tags);

public sealed record StageRequest(ModelStage Stage, bool ArchiveExisting);

public sealed record AliasRequest(int Version);

public sealed record ModelView(RegisteredModel Model, PermissionLevel Permission, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<ModelVersion> Versions, IReadOnlyDictionary<string, int> Aliases)
{
    public static ModelView From(ModelDetails d) => new(d.Model, d.Level, d.Tags.ToDictionary(t => t.Key, t => t.Value), d.Versions, d.Aliases.ToDictionary(a => a.Alias, a => a.Version));
}

public sealed record VersionView(string ModelName, ModelVersion Version, ModelSignature? Signature, OnnxGraphFacts? GraphFacts, ConversionReport? Conversion, IReadOnlyList<ModelFile> Files, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Aliases)
{
    public static VersionView From(VersionDetails d) => new(d.Model.Name, d.Version, d.Signature, d.GraphFacts, d.Conversion, d.Files, d.Tags.ToDictionary(t => t.Key, t => t.Value), d.Aliases);
}
