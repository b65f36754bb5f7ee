using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using MudBlazor;

namespace AiPlatform.Web.Features.Data;

public partial class DatasetDetailPage : PlatformPage
{
    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private DatasetAnalysisService Analysis { get; set; } = default!;

    [Inject]
    private DatasetSettings Settings { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private const int PageSize = 50;
    private Dataset? _dataset;
    private PermissionLevel _level;
    private bool _notFound;
    private bool _sharing;
    private IReadOnlyList<DatasetVersion> _versions = [];
    private DatasetVersion? _version;
    private DatasetRows? _rows;
    private int _offset;
    private string? _sort;
    private bool _desc;
    private string? _message;
    private bool _uploading;
    private long _uploaded;
    private long _uploadSize;
    private double _progress;
    private CancellationTokenSource? _uploadCancel;
    private string? _name;
    private string? _description;
    private string? _tags;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    private MudFileUpload<IBrowserFile>? _upload;

    /// <summary>The version just created here (or named by <c>?version=</c>): selected, highlighted and scrolled to.</summary>
    private Guid? _highlighted;

    private bool _scrollPending;

    [Parameter]
    public Guid Id { get; set; }

    /// <summary>A version to open selected and highlighted, e.g. the one a console query or an import just created.</summary>
    [SupplyParameterFromQuery(Name = "version")]
    public Guid? VersionQuery { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            (_dataset, _level) = await Datasets.GetAsync(Id, PageToken);
            (_name, _description, _tags) = (_dataset.Name, _dataset.Description, string.Join(", ", _dataset.Tags));
            _versions = await Datasets.ListVersionsAsync(Id, PageToken);
            var wanted = VersionQuery is { } id ? _versions.FirstOrDefault(v => v.Id == id) : null;
            if (wanted is not null)
            {
                Highlight(wanted.Id);
            }

            await SelectVersionAsync(wanted ?? _versions.FirstOrDefault());
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    protected override void Dispose(bool disposing)
    {
        _uploadCancel?.Cancel();
        _uploadCancel?.Dispose();
    }

    private void Highlight(Guid versionId)
    {
        _highlighted = versionId;
        _scrollPending = true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_scrollPending && _highlighted is { } id && RendererInfo.IsInteractive)
        {
            _scrollPending = false;
            try
            {
                await JS.InvokeVoidAsync("aiPlatform.scrollIntoView", PageToken, $"version-{id}");
            }
            catch (Exception ex) when (ex is JSException or OperationCanceledException or ObjectDisposedException)
            {
                // Scrolling is a courtesy: the version is selected and highlighted either way.
            }
        }
    }

    private async Task SelectVersionAsync(DatasetVersion? version)
    {
        _version = version;
        _offset = 0;
        _sort = null;
        await LoadRowsAsync();
    }

    private async Task LoadRowsAsync()
    {
        if (_version is null)
        {
            _rows = null;
            return;
        }

        try
        {
            _rows = await Analysis.ReadRowsAsync(Id, _version.Id, _offset, PageSize, _sort, _desc, PageToken);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(L.Describe(ex), Severity.Error);
        }
    }

    private async Task SortAsync(string column)
    {
        _desc = _sort == column && !_desc;
        _sort = column;
        _offset = 0;
        await LoadRowsAsync();
    }

    private async Task PageAsync(int direction)
    {
        _offset = Math.Max(0, _offset + (direction * PageSize));
        await LoadRowsAsync();
    }

    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }

        _uploadCancel = new CancellationTokenSource();
        _uploading = true;
        _uploaded = 0;
        _uploadSize = file.Size;
        try
        {
            await using var source = file.OpenReadStream(Settings.MaxUploadBytes, _uploadCancel.Token);
            await using var counting = new ProgressStream(source, read =>
            {
                _uploaded = read;
                var progress = _uploadSize == 0 ? 100 : read * 100.0 / _uploadSize;
                if (progress - _progress >= 1 || read == _uploadSize)
                {
                    _progress = progress;
                    _ = InvokeAsync(StateHasChanged);
                }
            });
            var result = await Datasets.UploadAsync(Id, counting, file.Name, _message, _uploadCancel.Token);
            Snackbar.Add(result.Created ? L["Datasets.VersionCreated", result.Version.Number] : L["Datasets.SameContent", result.Version.Number], result.Created ? Severity.Success : Severity.Info);
            _message = null;
            _versions = await Datasets.ListVersionsAsync(Id, PageToken);
            Highlight(result.Version.Id);
            await SelectVersionAsync(_versions.First(v => v.Id == result.Version.Id));
        }
        catch (OperationCanceledException)
        {
            Snackbar.Add(L["Datasets.UploadCancelled"], Severity.Warning);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(L.Describe(ex), Severity.Error);
        }
        catch (IOException ex)
        {
            Snackbar.Add(L["Datasets.UploadFailed", ex.Message], Severity.Error);
        }
        finally
        {
            _uploading = false;
            _progress = 0;

            // The picked file's chip would stay after the upload, success or failure: clear the selection.
            if (_upload is not null)
            {
                await _upload.ClearAsync();
            }
        }
    }

    private Task SaveAsync() => RunAsync(async ct =>
    {
        _dataset = await Datasets.UpdateAsync(Id, _name ?? string.Empty, _description, (_tags ?? string.Empty).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries), ct);
    }, L["Common.Saved"]);

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Datasets.DeleteAsync(Id, ct);
        Navigation.NavigateTo("/datasets");
    });
}
