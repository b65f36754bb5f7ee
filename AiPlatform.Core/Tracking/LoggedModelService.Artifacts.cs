using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Tracking;

/// <summary>The files of a logged model: uploaded, listed, opened and deleted under its artifact location, as run artifacts are.</summary>
public sealed partial class LoggedModelService
{
    /// <summary>Stores a file under the model's artifacts (Write), staged and committed atomically; replaces one at the same path.</summary>
    public async Task<LoggedModelArtifact> UploadAsync(Guid modelId, string? path, Stream content, long? length, string? contentType, CancellationToken ct)
    {
        var (model, _) = await RequireModelAsync(modelId, PermissionLevel.Write, ct);
        var relative = ArtifactService.NormalizePath(path, false);
        var existing = await store.ListArtifactsAsync(model.Id, string.Empty, ct);
        ArtifactService.CheckPlacement(relative, existing.Select(a => a.Path));

        var staged = await objects.StageAsync(content, length, contentType, ct);
        var key = ObjectKey.Create("logged-models", model.Id.ToString("N"), Guid.CreateVersion7(time.GetUtcNow()).ToString("N"));
        try
        {
            await objects.CommitAsync(staged, key, ct);
        }
        catch
        {
            await objects.DiscardAsync(staged, CancellationToken.None);
            throw;
        }

        var artifact = new LoggedModelArtifact { ModelId = model.Id, Path = relative, Size = staged.Size, ContentType = contentType ?? ArtifactService.GuessContentType(relative), ObjectKey = key.Value, CreatedAt = time.GetUtcNow() };
        LoggedModelArtifact? replaced;
        try
        {
            replaced = await store.UpsertArtifactAsync(artifact, ct);
        }
        catch
        {
            await objects.DeleteAsync(key, CancellationToken.None);
            throw;
        }

        if (replaced is not null)
        {
            await objects.DeleteAsync(ObjectKey.Parse(replaced.ObjectKey), CancellationToken.None);
        }

        return artifact;
    }

    /// <summary>The direct children of a folder of the model's artifacts (the root when <paramref name="path"/> is empty); paths relative to the root.</summary>
    public async Task<IReadOnlyList<ArtifactEntry>> ListArtifactsAsync(Guid modelId, string? path, CancellationToken ct)
    {
        var (model, _) = await RequireModelAsync(modelId, PermissionLevel.Read, ct);
        return await ListArtifactsCoreAsync(model.Id, path, ct);
    }

    private async Task<IReadOnlyList<ArtifactEntry>> ListArtifactsCoreAsync(Guid modelId, string? path, CancellationToken ct)
    {
        var folder = ArtifactService.NormalizePath(path, true);
        var prefix = folder.Length == 0 ? string.Empty : folder + "/";
        var entries = new SortedDictionary<string, ArtifactEntry>(StringComparer.Ordinal);
        foreach (var artifact in await store.ListArtifactsAsync(modelId, prefix, ct))
        {
            var rest = artifact.Path[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var entry = slash < 0 ? new ArtifactEntry(artifact.Path, false, artifact.Size) : new ArtifactEntry(prefix + rest[..slash], true, null);
            entries.TryAdd(entry.Path, entry);
        }

        return entries.Values.OrderBy(e => !e.IsDirectory).ThenBy(e => e.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every file of the model (Read), for registering it as a registry version.</summary>
    public async Task<(LoggedModelDetails Model, IReadOnlyList<LoggedModelArtifact> Files)> ListAllArtifactsAsync(Guid modelId, CancellationToken ct)
    {
        var (model, experiment) = await RequireModelAsync(modelId, PermissionLevel.Read, ct);
        return (await DetailsAsync(model, experiment, ct), await store.ListArtifactsAsync(model.Id, string.Empty, ct));
    }

    public async Task<(LoggedModelArtifact Artifact, Stream Content)> OpenArtifactAsync(Guid modelId, string? path, CancellationToken ct)
    {
        var (model, _) = await RequireModelAsync(modelId, PermissionLevel.Read, ct);
        var relative = ArtifactService.NormalizePath(path, false);
        var artifact = await store.FindArtifactAsync(model.Id, relative, ct) ?? throw new NotFoundException("Artifact", relative);
        return (artifact, await objects.OpenReadAsync(ObjectKey.Parse(artifact.ObjectKey), ct));
    }

    public async Task DeleteArtifactsAsync(Guid modelId, string? path, CancellationToken ct)
    {
        var (model, experiment) = await RequireModelAsync(modelId, PermissionLevel.Write, ct);
        var relative = ArtifactService.NormalizePath(path, false);
        var deleted = await store.DeleteArtifactsAsync(model.Id, relative, ct);
        if (deleted.Count == 0)
        {
            throw new NotFoundException("Artifact", relative);
        }

        foreach (var artifact in deleted)
        {
            await objects.DeleteAsync(ObjectKey.Parse(artifact.ObjectKey), CancellationToken.None);
        }

        await audit.RecordAsync("logged_model.artifact.delete", SecurableTypes.Experiment, experiment.Id, new { model = model.MlflowId, path = relative }, ct);
    }

    /// <summary>
    /// Checks that an artifact path names this model in this experiment
    /// (<c>&lt;experiment&gt;/models/m-…/artifacts/…</c>) and returns the model id.
    /// </summary>
    public async Task<Guid> ResolveArtifactRootAsync(string experimentMlflowId, string modelId, CancellationToken ct)
    {
        var (model, experiment) = await RequireModelAsync(ParseId(modelId), PermissionLevel.Read, ct);
        return experiment.MlflowId == experimentMlflowId ? model.Id : throw new NotFoundException("Logged model", modelId);
    }
}
