using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>The retrieval console: the chunks a question retrieves, with their scores and ranks, in any retrieval mode.</summary>
public partial class RetrievalTestPanel : PlatformPage
{
    private IReadOnlyList<RetrievalHit>? _hits;
    private RetrievalMode _mode = RetrievalMode.Hybrid;
    private string? _query;
    private int _topK = 5;
    private double _threshold = 0.2;
    private bool _searching;
    private Guid? _thresholdOf;

    [Inject]
    private KnowledgeRetrievalService Retrieval { get; set; } = default!;

    [Parameter, EditorRequired]
    public KnowledgeBase KnowledgeBase { get; set; } = default!;

    protected override void OnParametersSet()
    {
        // The knowledge base's own threshold to start with; the user's choice after that.
        if (_thresholdOf != KnowledgeBase.Id)
        {
            _thresholdOf = KnowledgeBase.Id;
            _threshold = KnowledgeBase.RelevanceThreshold;
        }
    }

    private async Task QueryKeyAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
        {
            await SearchAsync();
        }
    }

    private async Task SearchAsync()
    {
        _searching = true;
        await RunAsync(async ct => _hits = await Retrieval.SearchAsync(KnowledgeBase.Id, _query, _topK, _mode, _threshold, ct));
        _searching = false;
    }
}
