using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// A run's dataset inputs (MLflow's log-inputs) and their links to platform dataset versions, which put the run in
/// the dataset's lineage. Rights come from the run's experiment (see <see cref="RunService"/>).
/// </summary>
public sealed partial class RunInputService(
    RunService runs,
    ExperimentService experiments,
    TrackingAudit audit,
    ITrackingStore store,
    Data.DatasetService datasets,
    Data.IDatasetStore datasetStore,
    TimeProvider time)
{
    /// <summary>
    /// MLflow's log-inputs. A source that names a platform dataset version (<c>…/datasets/{id}/versions/{versionId}</c>)
    /// that the caller may read is linked, so the run shows in the dataset's lineage.
    /// </summary>
    public async Task LogInputsAsync(Guid runId, IReadOnlyList<DatasetInputRequest> inputs, CancellationToken ct)
    {
        var (run, _, _) = await runs.RequireRunAsync(runId, PermissionLevel.Write, ct);
        RunService.RequireActive(run);
        var rows = new List<RunInput>();
        foreach (var d in inputs)
        {
            if (string.IsNullOrEmpty(d.Name) || string.IsNullOrEmpty(d.Digest) || string.IsNullOrEmpty(d.SourceType) || d.Source is null)
            {
                throw new ValidationException("datasets", "Each dataset needs name, digest, source_type and source.");
            }

            var context = d.Tags?.GetValueOrDefault("mlflow.data.context");
            Guid? datasetId = null, versionId = null;
            if (DatasetReference().Match(d.Source + " " + (d.Tags?.GetValueOrDefault("aiplatform.dataset") ?? string.Empty)) is { Success: true } m
                && Guid.TryParse(m.Groups["d"].Value, out var did) && Guid.TryParse(m.Groups["v"].Value, out var vid)
                && await CanReadDatasetVersionAsync(did, vid, ct))
            {
                (datasetId, versionId) = (did, vid);
            }

            rows.Add(new RunInput
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                RunId = run.Id,
                Name = Limit(d.Name, 500),
                Digest = Limit(d.Digest, 36),
                SourceType = Limit(d.SourceType, 36),
                Source = Limit(d.Source, 65535),
                Schema = d.Schema,
                Profile = d.Profile,
                Context = context,
                DatasetId = datasetId,
                DatasetVersionId = versionId,
            });
        }

        await store.AddInputsAsync(rows, ct);
        await audit.RecordAsync("run.inputs", SecurableTypes.Experiment, run.ExperimentId, new { run = run.MlflowId, datasets = rows.Select(r => r.Name).ToList() }, ct);
    }

    /// <summary>Records that the run read a platform dataset version (the caller must be able to read it).</summary>
    public async Task LinkDatasetVersionAsync(Guid runId, Guid datasetId, Guid versionId, string? context, CancellationToken ct)
    {
        var (dataset, _) = await datasets.GetAsync(datasetId, ct);
        var version = await datasets.GetVersionAsync(datasetId, versionId, ct);
        var tags = string.IsNullOrWhiteSpace(context) ? null : new Dictionary<string, string> { ["mlflow.data.context"] = context.Trim() };
        await LogInputsAsync(runId, [new DatasetInputRequest($"{dataset.Name}@v{version.Number}", version.ContentHash[..8], "aiplatform", $"aiplatform:/datasets/{datasetId}/versions/{versionId}", null, null, tags)], ct);
    }

    /// <summary>Records a dataset input for platform work (rights were checked when the work was queued).</summary>
    internal async Task LinkDatasetVersionForWorkAsync(Guid runId, Guid datasetId, Guid versionId, string? context, CancellationToken ct)
    {
        var dataset = await datasetStore.FindAsync(datasetId, ct) ?? throw new NotFoundException("Dataset", datasetId);
        var version = await datasetStore.FindVersionAsync(datasetId, versionId, ct) ?? throw new NotFoundException("Dataset version", versionId);
        await store.AddInputsAsync([new RunInput
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            RunId = runId,
            Name = $"{dataset.Name}@v{version.Number}",
            Digest = version.ContentHash[..8],
            SourceType = "aiplatform",
            Source = $"aiplatform:/datasets/{datasetId}/versions/{versionId}",
            Context = context,
            DatasetId = datasetId,
            DatasetVersionId = versionId,
        }], ct);
    }

    /// <summary>The runs the caller may read that logged this dataset version as an input.</summary>
    public async Task<IReadOnlyList<DatasetRunUse>> ListRunsUsingDatasetVersionAsync(Guid datasetVersionId, CancellationToken ct)
    {
        var result = new List<DatasetRunUse>();
        foreach (var (run, experiment, input) in await store.ListRunsUsingDatasetVersionAsync(datasetVersionId, ct))
        {
            if (await experiments.LevelAsync(experiment, ct) is not null)
            {
                result.Add(new DatasetRunUse(run.Id, run.Name, experiment.Id, experiment.Name, input.Context));
            }
        }

        return result;
    }

    private async Task<bool> CanReadDatasetVersionAsync(Guid datasetId, Guid versionId, CancellationToken ct)
    {
        try
        {
            return await datasets.GetVersionAsync(datasetId, versionId, ct) is not null;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static string Limit(string value, int max) => value.Length <= max ? value : throw new ValidationException("datasets", $"A dataset field has at most {max} characters.");

    [GeneratedRegex(@"datasets/(?<d>[0-9a-fA-F-]{32,36})/versions/(?<v>[0-9a-fA-F-]{32,36})", RegexOptions.CultureInvariant)]
    private static partial Regex DatasetReference();
}
