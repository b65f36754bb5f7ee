using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>A document's chunks; the one a citation or retrieval hit pointed at is highlighted and scrolled to.</summary>
public partial class KnowledgeDocumentPage : PlatformPage
{
    private DocumentDetails? _details;
    private List<BreadcrumbItem> _crumbs = [];
    private bool _notFound;
    private bool _scrolled;

    [Inject]
    private KnowledgeService Knowledge { get; set; } = default!;

    [Inject]
    private KnowledgeDocumentService Documents { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter]
    public Guid Id { get; set; }

    [Parameter]
    public Guid DocumentId { get; set; }

    /// <summary>The chunk a citation or retrieval hit pointed at: highlighted and scrolled to.</summary>
    [SupplyParameterFromQuery]
    public int? Chunk { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            var (kb, _) = await Knowledge.GetAsync(Id, PageToken);
            _details = await Documents.GetDocumentAsync(Id, DocumentId, PageToken);
            _crumbs = [new(L["Kb.Title"], "/knowledge"), new(kb.Name, $"/knowledge/{Id}"), new(_details.Document.FileName, null, disabled: true)];
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_scrolled && _details is not null && Chunk is { } chunk)
        {
            _scrolled = true;
            await JS.InvokeVoidAsync("aiPlatform.scrollIntoView", PageToken, $"chunk-{chunk}");
        }
    }

    private string Selected(KnowledgeChunk chunk) => chunk.Ordinal == Chunk ? "true" : "false";
}
