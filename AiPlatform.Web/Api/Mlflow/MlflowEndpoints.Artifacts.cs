using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

public static partial class MlflowEndpoints
{
    // ---- proxied artifacts: <experiment>/<run>/artifacts/<path> ----

    private static async Task<JsonHttpResult<object>> ListProxiedArtifactsAsync(HttpContext http, RunService runs, ArtifactService artifacts, LoggedModelService models)
    {
        if (await ResolveModelArtifactPathAsync(models, Query(http, "path") ?? string.Empty, http.RequestAborted) is { } model)
        {
            var entries = await models.ListArtifactsAsync(model.ModelId, model.Relative, http.RequestAborted);
            return Ok(new { files = entries.Select(f => new MlflowFileInfo(f.Path[(f.Path.LastIndexOf('/') + 1)..], f.IsDirectory, f.Size)).ToList() });
        }

        var (runId, relative) = await ResolveArtifactPathAsync(runs, Query(http, "path") ?? string.Empty, http.RequestAborted);
        var files = await artifacts.ListAsync(runId, relative, http.RequestAborted);
        return Ok(new { files = files.Select(f => new MlflowFileInfo(f.Path[(f.Path.LastIndexOf('/') + 1)..], f.IsDirectory, f.Size)).ToList() });
    }

    private static async Task<JsonHttpResult<object>> UploadArtifactAsync(string path, HttpContext http, RunService runs, ArtifactService artifacts, LoggedModelService models)
    {
        if (await ResolveModelArtifactPathAsync(models, path, http.RequestAborted) is { } model)
        {
            await models.UploadAsync(model.ModelId, model.Relative, http.Request.Body, http.Request.ContentLength, http.Request.ContentType, http.RequestAborted);
            return Ok(new { });
        }

        var (runId, relative) = await ResolveArtifactPathAsync(runs, path, http.RequestAborted);
        await artifacts.UploadAsync(runId, relative, http.Request.Body, http.Request.ContentLength, http.Request.ContentType, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> DownloadArtifactAsync(string path, HttpContext http, RunService runs, ArtifactService artifacts, LoggedModelService models)
    {
        if (await ResolveModelArtifactPathAsync(models, path, http.RequestAborted) is { } model)
        {
            var (file, stream) = await models.OpenArtifactAsync(model.ModelId, model.Relative, http.RequestAborted);
            return ArtifactResults.File(http, new RunArtifact { RunId = Guid.Empty, Path = file.Path, Size = file.Size, ContentType = file.ContentType, ObjectKey = file.ObjectKey, CreatedAt = file.CreatedAt }, stream, inline: false);
        }

        var (runId, relative) = await ResolveArtifactPathAsync(runs, path, http.RequestAborted);
        var (artifact, content) = await artifacts.OpenAsync(runId, relative, http.RequestAborted);
        return ArtifactResults.File(http, artifact, content, inline: false);
    }

    private static async Task<JsonHttpResult<object>> DeleteArtifactAsync(string path, HttpContext http, RunService runs, ArtifactService artifacts, LoggedModelService models)
    {
        if (await ResolveModelArtifactPathAsync(models, path, http.RequestAborted) is { } model)
        {
            await models.DeleteArtifactsAsync(model.ModelId, model.Relative, http.RequestAborted);
            return Ok(new { });
        }

        var (runId, relative) = await ResolveArtifactPathAsync(runs, path, http.RequestAborted);
        await artifacts.DeleteAsync(runId, relative, http.RequestAborted);
        return Ok(new { });
    }

    /// <summary>Checks that the run exists, is visible and belongs to the named experiment; returns the path inside its artifacts.</summary>
    private static async Task<(Guid RunId, string Relative)> ResolveArtifactPathAsync(RunService runs, string path, CancellationToken ct)
    {
        // Routing leaves %2F encoded in catch-all values; decode it so "..%2F" is seen (and refused) as "../".
        var parts = Uri.UnescapeDataString(path).Trim('/').Split('/', 4);
        if (parts.Length < 3 || parts[2] != "artifacts")
        {
            throw new ValidationException("path", $"An artifact path looks like <experiment id>/<run id>/artifacts/<file>; got '{path}'.");
        }

        var run = await runs.GetRunAsync(RunId(parts[1]), ct);
        if (run.Experiment.MlflowId != parts[0])
        {
            throw new NotFoundException("Run", parts[1]);
        }

        return (run.Run.Id, parts.Length == 4 ? parts[3] : string.Empty);
    }
}
