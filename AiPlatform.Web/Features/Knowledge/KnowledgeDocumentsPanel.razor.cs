using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>The documents of a knowledge base with their ingestion status; upload (with progress), re-index and delete for writers.</summary>
public partial class KnowledgeDocumentsPanel : PlatformPage
{
    private MudFileUpload<IReadOnlyList<IBrowserFile>>? _upload;
    private bool _uploading;
    private string? _uploadName;
    private double _uploadProgress;

    [Inject]
    private KnowledgeDocumentService DocumentService { get; set; } = default!;

    [Parameter, EditorRequired]
    public Guid KnowledgeBaseId { get; set; }

    /// <summary>The caller's level on the knowledge base: Write and above change documents.</summary>
    [Parameter]
    public PermissionLevel Level { get; set; }

    [Parameter, EditorRequired]
    public IReadOnlyList<KnowledgeDocument> Documents { get; set; } = [];

    /// <summary>Raised after documents were added, re-queued or deleted, so the list is read again.</summary>
    [Parameter]
    public EventCallback Changed { get; set; }

    private async Task UploadAsync(IReadOnlyList<IBrowserFile>? files)
    {
        if (files is not { Count: > 0 })
        {
            return;
        }

        _uploading = true;
        try
        {
            foreach (var file in files)
            {
                try
                {
                    _uploadName = file.Name;
                    _uploadProgress = 0;
                    await using var source = file.OpenReadStream(KnowledgeDocumentService.MaxDocumentBytes, PageToken);
                    await using var counting = new ProgressStream(source, read =>
                    {
                        var progress = file.Size == 0 ? 100 : read * 100.0 / file.Size;
                        if (progress - _uploadProgress >= 1 || read == file.Size)
                        {
                            _uploadProgress = progress;
                            _ = InvokeAsync(StateHasChanged);
                        }
                    });
                    await DocumentService.UploadAsync(KnowledgeBaseId, counting, file.Name, PageToken);
                }
                catch (PlatformException ex)
                {
                    Snackbar.Add($"{file.Name}: {L.Describe(ex)}", Severity.Error);
                }
                catch (IOException ex)
                {
                    Snackbar.Add($"{file.Name}: {ex.Message}", Severity.Error);
                }
            }
        }
        finally
        {
            _uploading = false;
        }

        // The list below shows them now; the picker is ready for the next files.
        if (_upload is not null)
        {
            await _upload.ClearAsync();
        }

        await Changed.InvokeAsync();
    }

    private Task ReindexAsync(KnowledgeDocument document) => RunAsync(async ct =>
    {
        await DocumentService.ReindexDocumentAsync(KnowledgeBaseId, document.Id, ct);
        await Changed.InvokeAsync();
    });

    private Task ReindexAllAsync() => RunAsync(async ct =>
    {
        await DocumentService.ReindexAllAsync(KnowledgeBaseId, ct);
        await Changed.InvokeAsync();
    });

    private Task DeleteDocumentAsync(KnowledgeDocument document) => RunAsync(
        async ct =>
        {
            await DocumentService.DeleteDocumentAsync(KnowledgeBaseId, document.Id, ct);
            await Changed.InvokeAsync();
        },
        success: L["Common.Deleted"]);

    /// <summary>The empty list's Upload button opens the same file picker as the one above the table.</summary>
    private Task OpenFilePickerAsync() => _upload?.OpenFilePickerAsync() ?? Task.CompletedTask;

    private static Color StatusColor(DocumentStatus status) => status switch
    {
        DocumentStatus.Ready => Color.Success,
        DocumentStatus.Failed => Color.Error,
        DocumentStatus.Processing => Color.Info,
        _ => Color.Default,
    };

    private static string FileSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes / (1024.0 * 1024):F1} MiB",
    };
}
