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
    private Dictionary<string, EmbeddingLanguageInfo> _embeddingLanguages = [];
    private KnowledgeLanguageReport? _languages;
    private List<BreadcrumbItem> _crumbs = [];
    private KnowledgeSettingsForm.Model _settings = new();
    private readonly RetrievalConsole _retrieval = new();
    private int _tab;
    private bool _notFound;
    private bool _sharing;
    private bool _switching;

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
                var usable = await Providers.ListUsableAsync(PageToken);
                _embeddingModels = [KnowledgeBase.LocalEmbedding, .. usable.Select(m => m.Name).Where(n => n != KnowledgeBase.LocalEmbedding)];
                _embeddingLanguages = usable.ToDictionary(m => m.Name, m => m.EffectiveEmbeddingLanguages);
            }

            await LoadLanguagesAsync(PageToken);
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
                if (!_documents.Any(d => d.Status is DocumentStatus.Pending or DocumentStatus.Processing))
                {
                    // Ingestion finished: the text's languages may have changed.
                    await LoadLanguagesAsync(ct);
                }
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
            await LoadLanguagesAsync(ct);
        },
        success: L["Common.Saved"]);

    private async Task LoadLanguagesAsync(CancellationToken ct)
    {
        _languages = await Knowledge.GetLanguagesAsync(Id, ct);
        if (_kb is not null && !_embeddingLanguages.ContainsKey(_kb.EmbeddingModel))
        {
            // The knowledge base's own provider model, when the caller may not pick it: the settings still say what it serves.
            _embeddingLanguages[_kb.EmbeddingModel] = _languages.Embedder;
        }
    }

    /// <summary>
    /// Switches to a model that serves the text's language: every document is re-indexed with it, as any change of model does.
    /// Only the model changes: the other settings are the knowledge base's current ones, read again just before (not the
    /// page's snapshot, which may predate someone else's change, nor unsaved edits in the settings form).
    /// </summary>
    private Task SwitchEmbeddingAsync(string model) => RunAsync(
        async ct =>
        {
            var (current, _) = await Knowledge.GetAsync(Id, ct);
            _kb = await Knowledge.UpdateAsync(Id, new KnowledgeBaseInput(
                current.Name, current.Description, current.ChunkSize, current.ChunkOverlap, current.SplitByHeadings, model, current.RelevanceThreshold, current.VectorWeight), ct);
            _switching = false;
            _settings = KnowledgeSettingsForm.Model.From(_kb);
            _retrieval.Threshold = _kb.RelevanceThreshold;
            _crumbs = [new(L["Kb.Title"], "/knowledge"), new(_kb.Name, null, disabled: true)];
            await LoadDocumentsAsync();
            await LoadLanguagesAsync(ct);
        },
        success: L["Kb.Lang.Switched", model]);

    private static int Percent(double share) => (int)Math.Round(share * 100, MidpointRounding.AwayFromZero);

    /// <summary>
    /// "92% of this knowledge base's text is Chinese, but its embedding model local:all-MiniLM-L6-v2 serves English. …" (the
    /// model named as the header chip and the retrieval console name it).
    /// </summary>
    private string WarningText(KnowledgeLanguageReport report)
    {
        var unserved = report.Languages.Where(l => !l.Served).Select(l => l.Language!);
        return L["Kb.Lang.Warning", Percent(report.UnservedShare), L.LanguageNames(unserved), report.EmbeddingModel, L.LanguageNames(report.Embedder.Languages)];
    }

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Knowledge.DeleteAsync(Id, ct);
        Navigation.NavigateTo("/knowledge");
    });
}
