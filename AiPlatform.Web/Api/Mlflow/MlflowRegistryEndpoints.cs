using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

/// <summary>The MLflow Model Registry REST API (model_registry.proto) over the platform's registry.</summary>
internal static class MlflowRegistryEndpoints
{
    public static void Map(RouteGroupBuilder g, bool named)
    {
        RouteHandlerBuilder Name(RouteHandlerBuilder b, string name) => named ? b.WithName("Mlflow" + name) : b.ExcludeFromDescription();

        Name(g.MapPost("/registered-models/create", CreateRegisteredModelAsync), "CreateRegisteredModel");
        Name(g.MapPost("/registered-models/rename", RenameRegisteredModelAsync), "RenameRegisteredModel");
        Name(g.MapPatch("/registered-models/update", UpdateRegisteredModelAsync), "UpdateRegisteredModel");
        Name(g.MapDelete("/registered-models/delete", DeleteRegisteredModelAsync), "DeleteRegisteredModel");
        Name(g.MapGet("/registered-models/get", GetRegisteredModelAsync), "GetRegisteredModel");
        Name(g.MapGet("/registered-models/search", SearchModelsAsync), "SearchRegisteredModels");
        Name(g.MapPost("/registered-models/get-latest-versions", GetLatestVersionsAsync), "GetLatestVersions");
        Name(g.MapGet("/registered-models/get-latest-versions", GetLatestVersionsGetAsync), "GetLatestVersionsGet");
        Name(g.MapPost("/registered-models/set-tag", SetRegisteredModelTagAsync), "SetRegisteredModelTag");
        Name(g.MapDelete("/registered-models/delete-tag", DeleteRegisteredModelTagAsync), "DeleteRegisteredModelTag");
        Name(g.MapPost("/registered-models/alias", SetRegisteredModelAliasAsync), "SetRegisteredModelAlias");
        Name(g.MapDelete("/registered-models/alias", DeleteRegisteredModelAliasAsync), "DeleteRegisteredModelAlias");
        Name(g.MapGet("/registered-models/alias", GetModelVersionByAliasAsync), "GetModelVersionByAlias");

        Name(g.MapPost("/model-versions/create", CreateModelVersionAsync), "CreateModelVersion");
        Name(g.MapPatch("/model-versions/update", UpdateModelVersionAsync), "UpdateModelVersion");
        Name(g.MapPost("/model-versions/transition-stage", TransitionModelVersionStageAsync), "TransitionModelVersionStage");
        Name(g.MapDelete("/model-versions/delete", DeleteModelVersionAsync), "DeleteModelVersion");
        Name(g.MapGet("/model-versions/get", GetModelVersionAsync), "GetModelVersion");
        Name(g.MapGet("/model-versions/search", SearchVersionsAsync), "SearchModelVersions");
        Name(g.MapGet("/model-versions/get-download-uri", GetModelVersionDownloadUriAsync), "GetModelVersionDownloadUri");
        Name(g.MapPost("/model-versions/set-tag", SetModelVersionTagAsync), "SetModelVersionTag");
        Name(g.MapDelete("/model-versions/delete-tag", DeleteModelVersionTagAsync), "DeleteModelVersionTag");
    }

    private static async Task<JsonHttpResult<object>> CreateRegisteredModelAsync(HttpContext h, RegistryService r)
    {
        var body = await MlflowEndpoints.ReadAsync<ModelBody>(h);
        var model = await r.CreateModelAsync(MlflowEndpoints.Required(body.Name, "name"), body.Description, MlflowEndpoints.Tags(body.Tags), h.RequestAborted);
        return MlflowEndpoints.Ok(new { registered_model = await ModelJsonAsync(r, model.Id, h.RequestAborted) });
    }

    private static async Task<JsonHttpResult<object>> RenameRegisteredModelAsync(HttpContext h, RegistryService r)
    {
        var body = await MlflowEndpoints.ReadAsync<ModelBody>(h);
        var model = await ModelAsync(r, body.Name, h.RequestAborted);
        await r.UpdateModelAsync(model.Id, MlflowEndpoints.Required(body.NewName, "new_name"), null, h.RequestAborted);
        return MlflowEndpoints.Ok(new { registered_model = await ModelJsonAsync(r, model.Id, h.RequestAborted) });
    }

    private static async Task<JsonHttpResult<object>> UpdateRegisteredModelAsync(HttpContext h, RegistryService r)
    {
        var body = await MlflowEndpoints.ReadAsync<ModelBody>(h);
        var model = await ModelAsync(r, body.Name, h.RequestAborted);
        await r.UpdateModelAsync(model.Id, null, body.Description ?? string.Empty, h.RequestAborted);
        return MlflowEndpoints.Ok(new { registered_model = await ModelJsonAsync(r, model.Id, h.RequestAborted) });
    }

    private static async Task<JsonHttpResult<object>> DeleteRegisteredModelAsync(HttpContext h, RegistryService r)
    {
        var body = await MlflowEndpoints.ReadAsync<ModelBody>(h);
        await r.DeleteModelAsync((await ModelAsync(r, body.Name ?? MlflowEndpoints.Query(h, "name"), h.RequestAborted)).Id, h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> GetLatestVersionsAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<LatestBody>(h);
        return await LatestAsync(h, r, v, body.Name, body.Stages);
    }

    private static async Task<JsonHttpResult<object>> SetRegisteredModelTagAsync(HttpContext h, RegistryService r)
    {
        var body = await MlflowEndpoints.ReadAsync<ModelBody>(h);
        await r.SetModelTagAsync((await ModelAsync(r, body.Name, h.RequestAborted)).Id, MlflowEndpoints.Required(body.Key, "key"), body.Value ?? string.Empty, h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> DeleteRegisteredModelTagAsync(HttpContext h, RegistryService r)
    {
        var body = await MlflowEndpoints.ReadAsync<ModelBody>(h);
        await r.DeleteModelTagAsync((await ModelAsync(r, body.Name, h.RequestAborted)).Id, MlflowEndpoints.Required(body.Key, "key"), h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> SetRegisteredModelAliasAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        await v.SetAliasAsync((await ModelAsync(r, body.Name, h.RequestAborted)).Id, MlflowEndpoints.Required(body.Alias, "alias"), VersionNumber(body.Version), h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> DeleteRegisteredModelAliasAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        await v.DeleteAliasAsync((await ModelAsync(r, body.Name ?? MlflowEndpoints.Query(h, "name"), h.RequestAborted)).Id, MlflowEndpoints.Required(body.Alias ?? MlflowEndpoints.Query(h, "alias"), "alias"), h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> GetModelVersionByAliasAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var model = await ModelAsync(r, MlflowEndpoints.Query(h, "name"), h.RequestAborted);
        var version = await v.GetVersionByAliasAsync(model.Id, MlflowEndpoints.Required(MlflowEndpoints.Query(h, "alias"), "alias"), h.RequestAborted);
        return MlflowEndpoints.Ok(new { model_version = VersionJson(version.Model, version.Version, version.Tags, version.Aliases) });
    }

    private static async Task<JsonHttpResult<object>> CreateModelVersionAsync(HttpContext h, RegistryService r, ModelVersionService v, ModelRegistrar registrar)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        var model = await ModelAsync(r, body.Name, h.RequestAborted);
        var created = await registrar.CreateVersionAsync(model.Id, MlflowEndpoints.Required(body.Source, "source"), body.RunId, body.ModelId, body.Description, MlflowEndpoints.Tags(body.Tags), h.RequestAborted);
        return await VersionResultAsync(v, model.Id, created.Version, h.RequestAborted);
    }

    private static async Task<JsonHttpResult<object>> UpdateModelVersionAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        var model = await ModelAsync(r, body.Name, h.RequestAborted);
        await v.UpdateVersionAsync(model.Id, VersionNumber(body.Version), body.Description, h.RequestAborted);
        return await VersionResultAsync(v, model.Id, VersionNumber(body.Version), h.RequestAborted);
    }

    private static async Task<JsonHttpResult<object>> TransitionModelVersionStageAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        var model = await ModelAsync(r, body.Name, h.RequestAborted);
        await v.TransitionStageAsync(model.Id, VersionNumber(body.Version), Stage(body.Stage), body.ArchiveExistingVersions ?? false, h.RequestAborted);
        return await VersionResultAsync(v, model.Id, VersionNumber(body.Version), h.RequestAborted);
    }

    private static async Task<JsonHttpResult<object>> DeleteModelVersionAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        await v.DeleteVersionAsync((await ModelAsync(r, body.Name ?? MlflowEndpoints.Query(h, "name"), h.RequestAborted)).Id, VersionNumber(body.Version ?? MlflowEndpoints.Query(h, "version")), h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> GetModelVersionDownloadUriAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var model = await ModelAsync(r, MlflowEndpoints.Query(h, "name"), h.RequestAborted);
        var version = await v.GetVersionAsync(model.Id, VersionNumber(MlflowEndpoints.Query(h, "version")), h.RequestAborted);
        return MlflowEndpoints.Ok(new { artifact_uri = version.Version.Source });
    }

    private static async Task<JsonHttpResult<object>> SetModelVersionTagAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        await v.SetVersionTagAsync((await ModelAsync(r, body.Name, h.RequestAborted)).Id, VersionNumber(body.Version), MlflowEndpoints.Required(body.Key, "key"), body.Value ?? string.Empty, h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> DeleteModelVersionTagAsync(HttpContext h, RegistryService r, ModelVersionService v)
    {
        var body = await MlflowEndpoints.ReadAsync<VersionBody>(h);
        await v.DeleteVersionTagAsync((await ModelAsync(r, body.Name, h.RequestAborted)).Id, VersionNumber(body.Version), MlflowEndpoints.Required(body.Key, "key"), h.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> GetRegisteredModelAsync(HttpContext h, RegistryService r) =>
        MlflowEndpoints.Ok(new { registered_model = await ModelJsonAsync(r, (await ModelAsync(r, MlflowEndpoints.Query(h, "name"), h.RequestAborted)).Id, h.RequestAborted) });

    private static Task<JsonHttpResult<object>> GetLatestVersionsGetAsync(HttpContext h, RegistryService r, ModelVersionService v) =>
        LatestAsync(h, r, v, MlflowEndpoints.Query(h, "name"), h.Request.Query["stages"].Where(s => s is not null).Select(s => s!).ToList());

    private static async Task<JsonHttpResult<object>> GetModelVersionAsync(HttpContext h, RegistryService r, ModelVersionService v) =>
        await VersionResultAsync(v, (await ModelAsync(r, MlflowEndpoints.Query(h, "name"), h.RequestAborted)).Id, VersionNumber(MlflowEndpoints.Query(h, "version")), h.RequestAborted);

    // search_registered_models (MlflowClient / RestStore): GET with filter, max_results, order_by (repeated), page_token.
    private static async Task<JsonHttpResult<object>> SearchModelsAsync(HttpContext h, RegistryService r)
    {
        var offset = MlflowPageToken.Parse(MlflowEndpoints.Query(h, "page_token"));
        var page = await r.SearchModelsAsync(MlflowEndpoints.Query(h, "filter"), OrderBy(h), MaxResults(h, 100), offset, h.RequestAborted);
        return MlflowEndpoints.Ok(new
        {
            registered_models = page.Items.Select(ModelJson).ToList(),
            next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Items.Count) : null,
        });
    }

    // search_model_versions (MlflowClient / RestStore): GET with filter, max_results, order_by (repeated), page_token.
    private static async Task<JsonHttpResult<object>> SearchVersionsAsync(HttpContext h, ModelVersionService v)
    {
        var offset = MlflowPageToken.Parse(MlflowEndpoints.Query(h, "page_token"));
        var page = await v.SearchVersionsAsync(MlflowEndpoints.Query(h, "filter"), OrderBy(h), MaxResults(h, ModelVersionService.DefaultSearchResults), offset, h.RequestAborted);
        return MlflowEndpoints.Ok(new
        {
            model_versions = page.Items.Select(d => VersionJson(d.Model, d.Version, d.Tags, d.Aliases)).ToList(),
            next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Items.Count) : null,
        });
    }

    private static List<string> OrderBy(HttpContext h) => h.Request.Query["order_by"].Where(o => !string.IsNullOrWhiteSpace(o)).Select(o => o!).ToList();

    private static int MaxResults(HttpContext h, int fallback) => MlflowEndpoints.Query(h, "max_results") switch
    {
        null or "" => fallback,
        var text when int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        var text => throw new ValidationException("max_results", $"Invalid value '{text}' for parameter 'max_results': it must be a positive integer."),
    };

    private static async Task<JsonHttpResult<object>> LatestAsync(HttpContext h, RegistryService r, ModelVersionService v, string? name, IReadOnlyList<string>? stages)
    {
        var model = await ModelAsync(r, name, h.RequestAborted);
        var latest = await v.GetLatestVersionsAsync(model.Id, stages?.Select(Stage).ToList(), h.RequestAborted);
        return MlflowEndpoints.Ok(new { model_versions = latest.Select(v => VersionJson(model, v, [], [])).ToList() });
    }

    private static async Task<RegisteredModel> ModelAsync(RegistryService r, string? name, CancellationToken ct) =>
        (await r.GetModelByNameAsync(MlflowEndpoints.Required(name, "name"), ct)).Model;

    private static async Task<JsonHttpResult<object>> VersionResultAsync(ModelVersionService v, Guid modelId, int version, CancellationToken ct)
    {
        var details = await v.GetVersionAsync(modelId, version, ct);
        return MlflowEndpoints.Ok(new { model_version = VersionJson(details.Model, details.Version, details.Tags, details.Aliases) });
    }

    private static async Task<object> ModelJsonAsync(RegistryService r, Guid id, CancellationToken ct) => ModelJson(await r.GetModelAsync(id, ct));

    private static object ModelJson(ModelDetails details)
    {
        var latest = details.Versions.Where(v => v.Status == ModelVersionStatus.Ready).GroupBy(v => v.Stage).Select(g => g.MaxBy(v => v.Version)!).OrderBy(v => v.Version);
        return new
        {
            name = details.Model.Name,
            creation_timestamp = details.Model.CreatedAt.ToUnixTimeMilliseconds(),
            last_updated_timestamp = details.Model.UpdatedAt.ToUnixTimeMilliseconds(),
            description = details.Model.Description ?? string.Empty,
            latest_versions = latest.Select(v => VersionJson(details.Model, v, [], [])).ToList(),
            tags = details.Tags.Select(t => new { key = t.Key, value = t.Value }).ToList(),
            aliases = details.Aliases.Select(a => new { alias = a.Alias, version = a.Version.ToString(CultureInfo.InvariantCulture) }).ToList(),
        };
    }

    private static object VersionJson(RegisteredModel model, ModelVersion v, IReadOnlyList<ModelVersionTag> tags, IReadOnlyList<string> aliases) => new
    {
        name = model.Name,
        version = v.Version.ToString(CultureInfo.InvariantCulture),
        creation_timestamp = v.CreatedAt.ToUnixTimeMilliseconds(),
        last_updated_timestamp = v.UpdatedAt.ToUnixTimeMilliseconds(),
        user_id = v.CreatedBy,
        current_stage = v.Stage.ToString(),
        description = v.Description ?? string.Empty,
        source = v.Source,
        run_id = v.RunId?.ToString("N") ?? string.Empty,
        model_id = v.LoggedModelId is { } loggedModel ? LoggedModelService.FormatId(loggedModel) : null,
        status = v.Status switch { ModelVersionStatus.Ready => "READY", ModelVersionStatus.FailedRegistration => "FAILED_REGISTRATION", _ => "PENDING_REGISTRATION" },
        status_message = v.StatusMessage ?? string.Empty,
        tags = tags.Select(t => new { key = t.Key, value = t.Value }).ToList(),
        aliases,
    };

    private static int VersionNumber(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ValidationException("version", $"Invalid model version '{text}': a version is a positive number.");

    private static ModelStage Stage(string? text) =>
        Enum.TryParse<ModelStage>(text, ignoreCase: true, out var stage) && Enum.IsDefined(stage) ? stage : throw new ValidationException("stage", $"Invalid Model Version stage: {text}. Value must be one of None, Staging, Production, Archived.");

    private sealed record ModelBody(string? Name, string? NewName, string? Description, List<TagBody>? Tags, string? Key, string? Value);

    private sealed record LatestBody(string? Name, List<string>? Stages);

    private sealed record VersionBody(string? Name, string? Version, string? Source, string? RunId, string? Description, List<TagBody>? Tags, string? Stage, bool? ArchiveExistingVersions, string? Key, string? Value, string? Alias, string? ModelId = null);
}
