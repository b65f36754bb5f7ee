using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>A knowledge base: its documents, the retrieval console and its settings; documents being ingested refresh every second.</summary>
public partial class KnowledgeBasePage : LivePage
{
    private KnowledgeBase? _kb;
    private PermissionLevel _level;
    private IReadOnlyList<KnowledgeDocument> _documents = [];
    private IReadOnlyList<string> _embeddingModels = [KnowledgeBase.LocalEmbedding];
    private List<BreadcrumbItem> _crumbs = [];
    private KnowledgeSettingsForm.Model _settings = new();
    private readonly RetrievalConsole _retrieval = new();
    private int _tab;
    private bool _notFound;
    private bool _sharing;

    [Inject]
    private KnowledgeService Knowledge { get; set; } = default!;

    [Inject]
    private KnowledgeDocumentService DocumentService { get; set; } = default!;

    [Inject]
    private ProviderService Providers { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Parameter]
    public Guid Id { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            (_kb, _level) = await Knowledge.GetAsync(Id, PageToken);
            await LoadDocumentsAsync();
            _settings = KnowledgeSettingsForm.Model.From(_kb);
            _retrieval.Threshold = _kb.RelevanceThreshold;
            _crumbs = [new(L["Kb.Title"], "/knowledge"), new(_kb.Name, null, disabled: true)];
            if (await Access.HasCapabilityAsync(Capabilities.ChatUse, PageToken))
            {
                _embeddingModels = [KnowledgeBase.LocalEmbedding, .. (await Providers.ListUsableAsync(PageToken)).Select(m => m.Name).Where(n => n != KnowledgeBase.LocalEmbedding)];
            }
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    /// <summary>While documents are being ingested, their status and progress refresh.</summary>
    protected override async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            if (_documents.Any(d => d.Status is DocumentStatus.Pending or DocumentStatus.Processing))
            {
                _documents = await DocumentService.ListDocumentsAsync(Id, ct);
            }
        }
        catch (PlatformException)
        {
            // Deleted or no longer shared: the next navigation shows it.
        }
    }

    private async Task LoadDocumentsAsync() => _documents = await DocumentService.ListDocumentsAsync(Id, PageToken);

    private Task SaveAsync() => RunAsync(
        async ct =>
        {
            _kb = await Knowledge.UpdateAsync(Id, _settings.ToInput(), ct);
            await LoadDocumentsAsync();
        },
        success: L["Common.Saved"]);

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Knowledge.DeleteAsync(Id, ct);
        Navigation.NavigateTo("/knowledge");
    });
}
