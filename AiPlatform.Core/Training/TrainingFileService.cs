using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Storage;
using System.Text.Json;

namespace AiPlatform.Core.Training;

/// <summary>
/// Training code and data as files: uploading a code archive for a custom run, and handing a run's code archive and
/// dataset file to a remote backend's init container (Read on the experiment, and on the dataset for its file).
/// </summary>
public sealed class TrainingFileService(
    TrainingService training,
    AccessService access,
    DatasetService datasets,
    IObjectStore objects,
    AuditRecorder audit,
    IAuditStore auditStore,
    TimeProvider time)
{
    public const long MaxCodeBytes = 512L * 1024 * 1024;

    /// <summary>The code archive of a custom run, for a remote backend's init container (Read on the experiment).</summary>
    public async Task<Stream> OpenCodeAsync(Guid id, CancellationToken ct)
    {
        var run = (await training.GetAsync(id, ct)).Run;
        var spec = run.Kind == TrainingKind.Custom ? JsonSerializer.Deserialize<CustomSpec>(run.SpecJson, TrainingService.Json) : null;
        return spec?.CodeKey is { } key ? await objects.OpenReadAsync(ObjectKey.Parse(key), ct) : throw new NotFoundException("Training code", id);
    }

    /// <summary>The dataset file of a run, for a remote backend's init container (Read on the experiment and the dataset).</summary>
    public async Task<(Stream Content, string FileName)> OpenDataAsync(Guid id, CancellationToken ct)
    {
        var run = (await training.GetAsync(id, ct)).Run;
        if (run.DatasetId is not { } datasetId || run.DatasetVersionId is not { } versionId)
        {
            throw new NotFoundException("Training data", id);
        }

        var version = await datasets.GetVersionAsync(datasetId, versionId, ct);
        return (await objects.OpenReadAsync(ObjectKey.Parse(version.ObjectKey), ct), $"data.{version.Format.Extension()}");
    }

    /// <summary>Stores a zip of training code; returns the key to put in <see cref="CustomSpec.CodeKey"/>.</summary>
    public async Task<string> UploadCodeAsync(Stream zip, long? length, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.JobsStart, ct);
        await access.RequireCapabilityAsync(Capabilities.TrainingCustomCode, ct);
        if (length > MaxCodeBytes)
        {
            throw new ValidationException("code", $"Code archives are at most {MaxCodeBytes / 1048576} MB.");
        }

        var staged = await objects.StageAsync(zip, length, "application/zip", ct);
        var key = ObjectKey.Create("training-code", $"{Guid.CreateVersion7(time.GetUtcNow()):N}.zip");
        try
        {
            if (staged.Size is 0 or > MaxCodeBytes)
            {
                throw new ValidationException("code", "The archive is empty or too large.");
            }

            await using (var head = await objects.OpenReadAsync(staged.TemporaryKey, ct))
            {
                var magic = new byte[4];
                if (await head.ReadAtLeastAsync(magic, 4, false, ct) < 4 || magic[0] != 'P' || magic[1] != 'K')
                {
                    throw new ValidationException("code", "Upload the code as a .zip file.");
                }
            }

            await objects.CommitAsync(staged, key, ct);
        }
        catch
        {
            await objects.DiscardAsync(staged, CancellationToken.None);
            throw;
        }

        // The object store has no transaction to share: the entry follows the stored archive.
        await auditStore.AddAsync(await audit.EntryAsync("training.code.upload", TrainingService.SecurableType, null, new { codeKey = key.Value, bytes = staged.Size }, ct), ct);
        return key.Value;
    }
}
