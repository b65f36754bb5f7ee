using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Registry;

/// <summary>
/// Writes a model's next version: copies its files under the registry's own keys, reads its format and signature from
/// them (a source that cannot be read as a model becomes FAILED_REGISTRATION) and records it; a failure removes the
/// copies again.
/// </summary>
public sealed class ModelVersionWriter(
    AccessService access,
    IRegistryStore store,
    IObjectStore objects,
    IScratchSpace scratch,
    IModelInspector inspector,
    AuditRecorder audit,
    TimeProvider time)
{
    /// <summary>Adds <paramref name="files"/> (a path in the version, how to open it, its size) as <paramref name="model"/>'s next version.</summary>
    internal async Task<ModelVersion> AddAsync(RegisteredModel model, string source, Guid? runId, string? description, IReadOnlyDictionary<string, string>? tags, IReadOnlyList<(string Path, Func<CancellationToken, Task<Stream>> Open, long Size)> files, Guid? loggedModelId, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var now = time.GetUtcNow();
        var version = new ModelVersion
        {
            Id = Guid.CreateVersion7(now),
            ModelId = model.Id,
            Source = source.Length > 1000 ? source[..1000] : source,
            RunId = runId,
            LoggedModelId = loggedModelId,
            Status = ModelVersionStatus.PendingRegistration,
            Description = RegistryService.ValidDescription(description),
            CreatedById = context.UserId,
            CreatedBy = context.UserName,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var stored = new List<ModelFile>();
        var locals = new List<(string Path, string LocalFile)>();
        try
        {
            foreach (var (path, open, size) in files)
            {
                var local = scratch.NewFilePath("bin");
                await using (var input = await open(ct))
                await using (var file = File.Create(local))
                {
                    await input.CopyToAsync(file, ct);
                }

                locals.Add((path, local));
                await using var upload = File.OpenRead(local);
                var staged = await objects.StageAsync(upload, upload.Length, null, ct);
                var key = ObjectKey.Create("models", model.Id.ToString("N"), version.Id.ToString("N"), Guid.CreateVersion7(now).ToString("N"));
                await objects.CommitAsync(staged, key, ct);
                stored.Add(new ModelFile { VersionId = version.Id, Path = path, ObjectKey = key.Value, Size = staged.Size });
            }

            try
            {
                var inspection = inspector.Inspect(locals);
                version.Format = inspection.Format;
                version.SignatureJson = inspection.Signature is null ? null : JsonSerializer.Serialize(inspection.Signature, RegistryService.Json);
                version.GraphFactsJson = inspection.Facts is null ? null : JsonSerializer.Serialize(inspection.Facts, RegistryService.Json);
                version.ConversionReportJson = inspection.Conversion is null ? null : JsonSerializer.Serialize(inspection.Conversion, RegistryService.Json);
                version.Status = ModelVersionStatus.Ready;
            }
            catch (ValidationException e)
            {
                version.Format = ModelFormat.Other;
                version.Status = ModelVersionStatus.FailedRegistration;
                version.SetStatusMessage(StoredMessage.From(e, string.Join(" ", e.Errors.SelectMany(x => x.Value)), "Error.ModelRegistrationFailed"));
            }

            var tagRows = (tags ?? new Dictionary<string, string>()).Select(t => new ModelVersionTag { VersionId = version.Id, Key = TrackingLimits.ValidKey(t.Key, "Tag"), Value = TrackingLimits.ValidValue(t.Value, TrackingLimits.MaxRunTagValueLength, "Tag", t.Key) }).ToList();
            await store.AddVersionAsync(version, stored, tagRows, await audit.EntryAsync("model.version.create", RegistryService.ModelType, model.Id, new { version.Source, version.Status }, ct), ct);
            return version;
        }
        catch
        {
            foreach (var file in stored)
            {
                await objects.DeleteAsync(ObjectKey.Parse(file.ObjectKey), CancellationToken.None);
            }

            throw;
        }
        finally
        {
            foreach (var (_, local) in locals)
            {
                File.Delete(local);
            }
        }
    }
}
