using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Chat;

/// <summary>Administration of LLM providers, their models (enabled, open to all, context window, embedding languages) and daily token quotas.</summary>
public partial class ProvidersPage : PlatformPage
{
    private IReadOnlyList<ProviderView> _providers = [];
    private bool _loaded;
    private bool _editing;
    private Guid? _editId;
    private string? _name;
    private string? _url;
    private string? _key;
    private string? _originalUrl;
    private bool _hadKey;
    private bool _enabled = true;
    private LlmModel? _sharing;
    private IReadOnlyList<LlmQuota> _quotas = [];
    private Dictionary<Guid, string> _principals = [];
    private PrincipalType _quotaType = PrincipalType.User;
    private string? _quotaName;
    private long _quotaTokens = 100_000;

    /// <summary>Counts reloads: fields keyed by it show the saved value again after a refused edit.</summary>
    private int _loads;

    [Inject]
    private ProviderService Providers { get; set; } = default!;

    [Inject]
    private ChatUsageService Usage { get; set; } = default!;

    [Inject]
    private IUserDirectory Users { get; set; } = default!;

    [Inject]
    private GroupService Groups { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _loads++;
        _providers = await Providers.ListProvidersAsync(PageToken);
        _quotas = await Usage.ListQuotasAsync(PageToken);
        var groups = await Groups.ListAsync(PageToken);
        foreach (var g in groups)
        {
            _principals[g.Id] = g.Name;
        }

        foreach (var q in _quotas.Where(q => q.PrincipalType == PrincipalType.User && !_principals.ContainsKey(q.PrincipalId)))
        {
            _principals[q.PrincipalId] = (await Users.FindAsync(q.PrincipalId, PageToken))?.UserName ?? "?";
        }

        _loaded = true;
    }

    private void Edit(ProviderView? p)
    {
        _editId = p?.Id;
        _name = p?.Name;
        _url = p?.BaseUrl;
        _originalUrl = p?.BaseUrl;
        _hadKey = p?.HasApiKey ?? false;
        _key = null;
        _enabled = p?.Enabled ?? true;
        _editing = true;
    }

    private Task SaveAsync()
    {
        var input = new ProviderInput(_name, _url, _key, _enabled);
        return ChangeAsync(async ct =>
        {
            if (_editId is { } id)
            {
                await Providers.UpdateProviderAsync(id, input, ct);
            }
            else
            {
                await Providers.CreateProviderAsync(input, ct);
            }

            _editing = false;
        });
    }

    private async Task SetQuotaAsync()
    {
        Guid? id = _quotaType == PrincipalType.User
            ? (await Users.FindByNameAsync(_quotaName?.Trim() ?? string.Empty, PageToken))?.Id
            : (await Groups.ListAsync(PageToken)).FirstOrDefault(g => g.Name == _quotaName?.Trim())?.Id;
        if (id is null)
        {
            Snackbar.Add(L["Llm.NoPrincipal", _quotaName ?? string.Empty], Severity.Error);
            return;
        }

        await ChangeAsync(ct => Usage.SetQuotaAsync(_quotaType, id.Value, _quotaTokens, ct));
    }

    /// <summary>The languages the model serves when it embeds, and where that comes from ("all languages (known for this model family)").</summary>
    private string EffectiveLanguages(LlmModel model)
    {
        var info = model.EffectiveEmbeddingLanguages;
        return L["Llm.EmbLang.Effective", L.LanguageNames(info.Languages), L[$"Kb.EmbSource.{info.Source}"].Value];
    }

    private Task SyncAsync(Guid id) => ChangeAsync(ct => Providers.SyncModelsAsync(id, ct));

    /// <summary>Runs a change and reads the page again, whether it was saved or refused (a refused value shows the saved one again).</summary>
    private async Task ChangeAsync(Func<CancellationToken, Task> change)
    {
        await RunAsync(change, success: L["Common.Saved"]);
        await LoadAsync();
    }
}
