using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace AiPlatform.Web.Features.Apps;

/// <summary>The apps the caller can read, a new app (name, address, kind) for those who may create apps, and import from YAML.</summary>
public partial class AppsPage : PlatformPage
{
    private const long MaxImportBytes = 2_000_000;

    private MudTable<App>? _table;
    private string? _search;
    private bool _canCreate;
    private bool _creating;
    private string? _name;
    private string? _slug;
    private bool _slugEdited;
    private string? _description;
    private AppKind _kind = AppKind.Workflow;
    private string? _nameError;
    private string? _slugError;
    private int _total = -1;

    [Inject]
    private AppService Apps { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync() =>
        _canCreate = await Access.HasCapabilityAsync(Capabilities.AppsCreate, PageToken);

    private async Task<TableData<App>> LoadAsync(TableState state, CancellationToken ct)
    {
        try
        {
            var page = await Apps.ListAsync(_search, new PageRequest(state.Page, state.PageSize), PageToken);
            _total = page.TotalCount;
            return new TableData<App> { Items = page.Items, TotalItems = page.TotalCount };
        }
        catch (PlatformException e)
        {
            Snackbar.Add(L.Describe(e), Severity.Error);
            return new TableData<App> { Items = [], TotalItems = 0 };
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
            return new TableData<App> { Items = [], TotalItems = 0 };
        }
    }

    private async Task SearchAsync(string? search)
    {
        _search = search;
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private void OpenCreate()
    {
        (_name, _slug, _description, _kind, _slugEdited, _nameError, _slugError) = (null, null, null, AppKind.Workflow, false, null, null);
        _creating = true;
    }

    private void NameChanged(string? name)
    {
        _name = name;
        if (!_slugEdited)
        {
            _slug = SuggestSlug(name);
        }
    }

    private void SlugChanged(string? slug)
    {
        _slug = slug;
        _slugEdited = !string.IsNullOrEmpty(slug);
    }

    /// <summary>An address from the name: lower-case letters and digits joined by hyphens (nothing for a name without Latin letters or digits).</summary>
    public static string SuggestSlug(string? name)
    {
        var slug = Regex.Replace((name ?? string.Empty).Trim().ToLowerInvariant(), "[^a-z0-9]+", "-", RegexOptions.None, TimeSpan.FromSeconds(1)).Trim('-');
        return slug.Length > 63 ? slug[..63].TrimEnd('-') : slug;
    }

    private Task CreateAsync()
    {
        _nameError = string.IsNullOrWhiteSpace(_name) ? L["Apps.Create.NameRequired"].Value : null;
        _slugError = AppService.IsValidSlug(_slug?.Trim()) ? null : L["Apps.Create.SlugInvalid"].Value;
        if (_nameError is not null || _slugError is not null)
        {
            return Task.CompletedTask;
        }

        return RunAsync(async ct =>
        {
            var app = await Apps.CreateAsync(new AppInput(_name!.Trim(), _slug!.Trim(), string.IsNullOrWhiteSpace(_description) ? null : _description.Trim(), _kind), ct);
            _creating = false;
            Navigation.NavigateTo($"/apps/{app.Id}");
        });
    }

    private Task ImportAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return Task.CompletedTask;
        }

        if (file.Size > MaxImportBytes)
        {
            Snackbar.Add(L["Apps.Import.TooLarge"], Severity.Error);
            return Task.CompletedTask;
        }

        return RunAsync(async ct =>
        {
            using var reader = new StreamReader(file.OpenReadStream(MaxImportBytes, ct));
            var app = await Apps.ImportAsync(await reader.ReadToEndAsync(ct), ct);
            Navigation.NavigateTo($"/apps/{app.Id}");
        }, L["Apps.Import.Done"]);
    }
}
