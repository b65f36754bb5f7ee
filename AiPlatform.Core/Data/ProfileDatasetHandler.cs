using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>Job <c>dataset.profile</c>: profiles one version with the engine and stores the result with it. Safe to re-run.</summary>
public sealed class ProfileDatasetHandler(IDatasetStore store, IObjectStore objects, IDatasetEngine engine, IScratchSpace scratch, TimeProvider time) : IJobHandler
{
    public const string JobKind = "dataset.profile";

    public string Kind => JobKind;

    public string? StartCapability => null;

    public bool RestartOnInterrupt => true;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var parameters = context.GetParameters<ProfileParameters>() ?? throw new InvalidOperationException("The job has no dataset version.");
        var version = await store.FindVersionAsync(parameters.DatasetId, parameters.VersionId, ct)
            ?? throw new InvalidOperationException($"Version {parameters.VersionId} no longer exists.");
        await context.ReportProgressAsync(0.1, "Reading the version", ct);
        var (key, format) = version.ColumnarKey is { } columnar ? (columnar, DatasetFormat.Parquet) : (version.ObjectKey, version.Format);
        await using var file = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(key), format.Extension(), ct);
        await context.ReportProgressAsync(0.3, "Profiling columns", ct);
        var columns = await engine.ProfileAsync(file.Path, format, ct);
        await store.SaveProfileAsync(new DatasetProfile { VersionId = version.Id, DatasetId = version.DatasetId, RowCount = version.RowCount, Columns = columns.ToList(), CreatedAt = time.GetUtcNow() }, ct);
        await context.LogAsync($"Profiled {columns.Count} columns of version {version.Number}.", JobText.Of("JobLog.Profiled", columns.Count, version.Number), ct);
    }

    public sealed record ProfileParameters(Guid DatasetId, Guid VersionId);
}
