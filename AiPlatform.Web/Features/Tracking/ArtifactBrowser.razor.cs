using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace AiPlatform.Web.Features.Tracking;

public partial class ArtifactBrowser : PlatformPage
{
    private IReadOnlyList<ArtifactEntry> _entries = [];
    private string _folder = string.Empty;
    private ArtifactEntry? _file;
    private string? _text;
    private CsvPreview? _table;
    private bool _truncated;

    [Parameter, EditorRequired]
    public Guid RunId { get; set; }

    [Parameter]
    public bool CanWrite { get; set; }

    protected override async Task OnParametersSetAsync() => await ListAsync(_folder);

    private List<BreadcrumbItem> Breadcrumbs
    {
        get
        {
            var items = new List<BreadcrumbItem> { new(L["Runs.ArtifactRoot"], "#") };
            var parts = _folder.Length == 0 ? [] : _folder.Split('/');
            items.AddRange(parts.Select(p => new BreadcrumbItem(p, null, disabled: true)));
            return items;
        }
    }

    private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    private string ContentUrl(string path, bool inline) => $"/api/v1/runs/{RunId}/artifacts/content?path={Uri.EscapeDataString(path)}&inline={(inline ? "true" : "false")}";

    private async Task ListAsync(string folder)
    {
        _folder = folder;
        _entries = await Artifacts.ListAsync(RunId, folder, PageToken);
    }

    private Task UpAsync() => ListAsync(_folder.Contains('/') ? _folder[.._folder.LastIndexOf('/')] : string.Empty);

    private async Task OpenAsync(ArtifactEntry entry)
    {
        if (entry.IsDirectory)
        {
            await ListAsync(entry.Path);
            return;
        }

        _file = entry;
        _text = null;
        _table = null;
        _truncated = false;
        var kind = ArtifactService.PreviewKind(entry.Path);
        if (kind is ArtifactPreviewKind.Text or ArtifactPreviewKind.Table)
        {
            var (_, bytes, truncated) = await Artifacts.ReadHeadAsync(RunId, entry.Path, PageToken);
            _truncated = truncated;
            _text = System.Text.Encoding.UTF8.GetString(bytes);
            if (kind == ArtifactPreviewKind.Table)
            {
                _table = CsvPreview.Parse(_text, entry.Path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',', 200);
            }
        }
    }

    private async Task UploadAsync(IBrowserFile file)
    {
        try
        {
            var path = (_folder.Length == 0 ? string.Empty : _folder + "/") + file.Name;
            await using var stream = file.OpenReadStream(Limits.MaxUploadBytes);
            await Artifacts.UploadAsync(RunId, path, stream, file.Size, file.ContentType, PageToken);
            await ListAsync(_folder);
            Snackbar.Add(L["Common.Saved"], Severity.Success);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(L.Describe(ex), Severity.Error);
        }
        catch (IOException)
        {
            Snackbar.Add(L["Runs.UploadTooLarge", LocalizerExtensions.Bytes(Limits.MaxUploadBytes)], Severity.Error);
        }
    }

    private async Task DeleteAsync(string path)
    {
        if (await RunAsync(ct => Artifacts.DeleteAsync(RunId, path, ct)))
        {
            _file = null;
            await ListAsync(_folder);
            Snackbar.Add(L["Common.Deleted"], Severity.Info);
        }
    }

    [Inject]
    private ArtifactService Artifacts { get; set; } = default!;

    [Inject]
    private DatasetSettings Limits { get; set; } = default!;
}
