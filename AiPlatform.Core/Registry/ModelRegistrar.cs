using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Registry;

/// <summary>
/// Registers a model's next version from a run's artifacts or an uploaded file. The files are copied under the
/// registry's own keys by <see cref="ModelVersionWriter"/>, so deleting the run's artifacts does not break the version.
/// </summary>
public sealed partial class ModelRegistrar(
    RegistryService registry,
    RunService runs,
    ArtifactService artifacts,
    LoggedModelService loggedModels,
    IScratchSpace scratch,
    ModelVersionWriter writer)
{
    /// <summary>
    /// Registers the files under a path of a run's artifacts (<c>runs:/&lt;run&gt;/&lt;path&gt;</c> or the run's
    /// <c>mlflow-artifacts:/&lt;exp&gt;/&lt;run&gt;/artifacts/&lt;path&gt;</c> URI) as the model's next version. Needs Write on
    /// the model and Read on the run. A source whose files cannot be read as a model becomes FAILED_REGISTRATION.
    /// </summary>
    public Task<ModelVersion> CreateVersionFromRunAsync(Guid modelId, string? source, string? runIdText, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct) =>
        CreateVersionAsync(modelId, source, runIdText, null, description, tags, ct);

    /// <summary>
    /// MLflow's <c>model-versions/create</c>: a run's artifacts (as <see cref="CreateVersionFromRunAsync"/>), or an MLflow 3
    /// logged model named by <paramref name="loggedModelId"/> or a <c>models:/m-…</c> source. A <c>runs:/&lt;run&gt;/&lt;name&gt;</c>
    /// source whose run has no files there registers the run's logged model of that name, as MLflow 3 resolves it.
    /// </summary>
    public async Task<ModelVersion> CreateVersionAsync(Guid modelId, string? source, string? runIdText, string? loggedModelId, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var model = (await registry.RequireModelAsync(modelId, PermissionLevel.Write, ct)).Model;
        if (loggedModelId is { Length: > 0 } || (source is { } s && LoggedModelUri().IsMatch(s)))
        {
            return await CreateVersionFromLoggedModelAsync(model, source, loggedModelId, runIdText, description, tags, ct);
        }

        var (runId, path) = ParseSource(source, runIdText);
        var run = await runs.GetRunAsync(runId, ct);
        var prefix = ArtifactService.NormalizePath(path, true);
        var listing = await ListRecursiveAsync(run.Run.Id, prefix, ct);
        if (listing.Count == 0 && prefix.Length > 0
            && (await loggedModels.ListForRunAsync(run.Run.Id, ct)).FirstOrDefault(m => m.Model.Name == prefix.Split('/')[0] && m.Model.SourceRunId == run.Run.Id) is { } logged)
        {
            return await CreateVersionFromLoggedModelAsync(model, null, logged.Model.MlflowId, run.Run.MlflowId, description, tags, ct);
        }

        if (listing.Count == 0)
        {
            throw new ValidationException("source", $"The run has no artifacts under '{prefix}'.") { MessageKey = "Error.RunHasNoModelArtifacts", MessageArguments = [prefix] };
        }

        var copied = new List<(string Path, Func<CancellationToken, Task<Stream>> Open, long Size)>();
        foreach (var entry in listing)
        {
            var relative = prefix.Length == 0 ? entry.Path : entry.Path.Length == prefix.Length ? Path.GetFileName(entry.Path) : entry.Path[(prefix.Length + 1)..];
            copied.Add((relative, async c => (await artifacts.OpenAsync(run.Run.Id, entry.Path, c)).Content, entry.Size ?? 0));
        }

        return await writer.AddAsync(model, source ?? $"runs:/{run.Run.MlflowId}/{prefix}", run.Run.Id, description, tags, copied, null, ct);
    }

    /// <summary>
    /// Registers an MLflow 3 logged model (<c>models:/m-…</c>, or MLflow's <c>model_id</c>) as the next version: its
    /// files are copied, and the version keeps the logged model's id, its source run and the source <c>models:/m-…</c>.
    /// Needs Read on the logged model. A client <c>run_id</c> must be the logged model's source run, or, for a logged model
    /// without one, a run the caller may read; a <c>source</c> must name the same logged model.
    /// </summary>
    private async Task<ModelVersion> CreateVersionFromLoggedModelAsync(RegisteredModel model, string? source, string? loggedModelId, string? runIdText, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var id = loggedModelId is { Length: > 0 } ? loggedModelId : LoggedModelUri().Match(source!).Groups["id"].Value;
        var (logged, files) = await loggedModels.ListAllArtifactsAsync(LoggedModelService.ParseId(id), ct);
        if (files.Count == 0)
        {
            throw new ValidationException("source", $"The logged model {logged.Model.MlflowId} has no artifacts.") { MessageKey = "Error.LoggedModelHasNoArtifacts", MessageArguments = [logged.Model.MlflowId] };
        }

        if (!string.IsNullOrEmpty(source) && !NamesLoggedModel(source, logged))
        {
            throw new ValidationException("source", $"The source '{source}' does not name the logged model {logged.Model.MlflowId}; use models:/{logged.Model.MlflowId} or leave the source empty.")
            {
                MessageKey = "Error.LoggedModelSourceMismatch",
                MessageArguments = [source, logged.Model.MlflowId],
            };
        }

        var runId = await VersionRunAsync(logged, runIdText, ct);
        var copied = files.Select(f => (f.Path, (Func<CancellationToken, Task<Stream>>)(async c => (await loggedModels.OpenArtifactAsync(logged.Model.Id, f.Path, c)).Content), f.Size)).ToList();
        return await writer.AddAsync(model, $"models:/{logged.Model.MlflowId}", runId, description, tags, copied, logged.Model.Id, ct);
    }

    /// <summary>
    /// The run a version of a logged model records: the logged model's source run (a client <c>run_id</c> must equal it),
    /// or, when it has none, the client's run once the caller is known to read it (unknown or unreadable: 404/403).
    /// </summary>
    private async Task<Guid?> VersionRunAsync(LoggedModelDetails logged, string? runIdText, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(runIdText))
        {
            return logged.Model.SourceRunId;
        }

        var requested = RunService.ParseRunId(runIdText);
        if (logged.Model.SourceRunId is { } sourceRun)
        {
            return requested == sourceRun
                ? sourceRun
                : throw new ValidationException("run_id", $"The run {runIdText} is not the source run {sourceRun:N} of the logged model.")
                {
                    MessageKey = "Error.LoggedModelRunMismatch",
                    MessageArguments = [runIdText, sourceRun.ToString("N")],
                };
        }

        return (await runs.GetRunAsync(requested, ct)).Run.Id;
    }

    /// <summary>
    /// Whether a client's source names this logged model: <c>models:/m-…</c>, its artifact location, or
    /// <c>runs:/&lt;its source run&gt;/&lt;its name&gt;</c> (how MLflow 3 clients may spell it).
    /// </summary>
    private static bool NamesLoggedModel(string source, LoggedModelDetails logged)
    {
        if (LoggedModelUri().Match(source) is { Success: true } uri)
        {
            return string.Equals(uri.Groups["id"].Value, logged.Model.MlflowId, StringComparison.OrdinalIgnoreCase);
        }

        if (string.Equals(source.TrimEnd('/'), logged.ArtifactLocation.TrimEnd('/'), StringComparison.Ordinal))
        {
            return true;
        }

        return RunsUri().Match(source) is { Success: true } runsUri
            && logged.Model.SourceRunId is { } sourceRun
            && Guid.TryParse(runsUri.Groups["run"].Value, out var run) && run == sourceRun
            && runsUri.Groups["path"].Value.Trim('/') == logged.Model.Name;
    }

    /// <summary>Registers an uploaded ONNX file (<c>.onnx</c>) or ML.NET model (<c>.zip</c>) as the next version.</summary>
    public async Task<ModelVersion> CreateVersionFromUploadAsync(Guid modelId, string? fileName, Stream content, string? description, CancellationToken ct)
    {
        var model = (await registry.RequireModelAsync(modelId, PermissionLevel.Write, ct)).Model;
        var name = ObjectKey.SafeSegment(fileName);
        if (!name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("fileName", "Upload an ONNX model (.onnx) or an ML.NET model (.zip).") { MessageKey = "Error.ModelUploadType" };
        }

        var local = scratch.NewFilePath(Path.GetExtension(name).TrimStart('.'));
        try
        {
            await using (var file = File.Create(local))
            {
                await content.CopyToAsync(file, ct);
            }

            var target = name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? "model.onnx" : "model.zip";
            return await writer.AddAsync(model, $"upload:{name}", null, description, null, [(target, c => Task.FromResult<Stream>(File.OpenRead(local)), new FileInfo(local).Length)], null, ct);
        }
        finally
        {
            File.Delete(local);
        }
    }

    private async Task<List<ArtifactEntry>> ListRecursiveAsync(Guid runId, string prefix, CancellationToken ct)
    {
        var result = new List<ArtifactEntry>();
        var pending = new Queue<string>([prefix]);
        while (pending.TryDequeue(out var folder))
        {
            var entries = await artifacts.ListAsync(runId, folder, ct);
            if (entries.Count == 0 && folder.Length > 0)
            {
                // The source names a file rather than a folder.
                var parent = folder.Contains('/') ? folder[..folder.LastIndexOf('/')] : string.Empty;
                result.AddRange((await artifacts.ListAsync(runId, parent, ct)).Where(e => !e.IsDirectory && e.Path == folder));
            }

            foreach (var entry in entries)
            {
                if (entry.IsDirectory)
                {
                    pending.Enqueue(entry.Path);
                }
                else
                {
                    result.Add(entry);
                }
            }
        }

        return result;
    }

    private static (Guid RunId, string Path) ParseSource(string? source, string? runIdText)
    {
        if (source is { } s && RunsUri().Match(s) is { Success: true } runs)
        {
            return (RunService.ParseRunId(runs.Groups["run"].Value), runs.Groups["path"].Value);
        }

        if (source is { } a && ArtifactsUri().Match(a) is { Success: true } artifactsUri)
        {
            return (RunService.ParseRunId(artifactsUri.Groups["run"].Value), artifactsUri.Groups["path"].Value);
        }

        if (runIdText is { Length: > 0 } id && source is { } path && !path.Contains(':'))
        {
            return (RunService.ParseRunId(id), path);
        }

        throw new ValidationException("source", $"Use a source like runs:/<run id>/model or mlflow-artifacts:/<experiment>/<run>/artifacts/model; got '{source}'.") { MessageKey = "Error.ModelSourceInvalid", MessageArguments = [source ?? string.Empty] };
    }

    [GeneratedRegex(@"^runs:/(?<run>[0-9a-fA-F-]{32,36})/?(?<path>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex RunsUri();


    [GeneratedRegex(@"^mlflow-artifacts:/[0-9]+/(?<run>[0-9a-fA-F-]{32,36})/artifacts/?(?<path>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ArtifactsUri();

    [GeneratedRegex(@"^models:/(?<id>m-[0-9a-fA-F]{32})/?$", RegexOptions.CultureInvariant)]
    private static partial Regex LoggedModelUri();

}
