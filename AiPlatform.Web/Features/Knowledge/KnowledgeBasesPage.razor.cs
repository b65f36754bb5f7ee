using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>The knowledge bases the caller can read, and a new one for those who may create them.</summary>
public partial class KnowledgeBasesPage : PlatformPage
{
    private IReadOnlyList<KnowledgeBaseSummary> _items = [];
    private IReadOnlyList<string> _embeddingModels = [KnowledgeBase.LocalEmbedding];
    private Dictionary<string, EmbeddingLanguageInfo> _embeddingLanguages = [];
    private KnowledgeSettingsForm.Model _input = new();
    private string? _search;
    private bool _creating;
    private bool _canCreate;

    [Inject]
    private KnowledgeService Knowledge { get; set; } = default!;

    [Inject]
    private ProviderService Providers { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _canCreate = await Access.HasCapabilityAsync(Capabilities.KnowledgeBasesCreate, PageToken);
        if (await Access.HasCapabilityAsync(Capabilities.ChatUse, PageToken))
        {
            var usable = await Providers.ListUsableAsync(PageToken);
            _embeddingModels = [KnowledgeBase.LocalEmbedding, .. usable.Select(m => m.Name)];
            _embeddingLanguages = usable.ToDictionary(m => m.Name, m => m.EffectiveEmbeddingLanguages);
        }

        await LoadAsync();
    }

    private async Task LoadAsync() => _items = await Knowledge.ListAsync(_search, PageToken);

    private async Task SearchAsync(string? search)
    {
        _search = search;
        await LoadAsync();
    }

    private void Open(KnowledgeBaseSummary? item)
    {
        if (item is not null)
        {
            Navigation.NavigateTo($"/knowledge/{item.KnowledgeBase.Id}");
        }
    }

    private Task CreateAsync() => RunAsync(async ct =>
    {
        var kb = await Knowledge.CreateAsync(_input.ToInput(), ct);
        Navigation.NavigateTo($"/knowledge/{kb.Id}");
    });
}
