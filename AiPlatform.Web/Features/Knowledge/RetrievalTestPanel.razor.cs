using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>The retrieval console: the chunks a question retrieves, with their scores and ranks, in any retrieval mode.</summary>
public partial class RetrievalTestPanel : PlatformPage
{
    private bool _searching;

    [Inject]
    private KnowledgeRetrievalService Retrieval { get; set; } = default!;

    [Parameter, EditorRequired]
    public Guid KnowledgeBaseId { get; set; }

    /// <summary>The question, its settings and the last hits; the page holds them, so they outlive a switch to another tab.</summary>
    [Parameter, EditorRequired]
    public RetrievalConsole State { get; set; } = default!;

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
        await RunAsync(async ct => State.Result = await Retrieval.SearchAsync(KnowledgeBaseId, State.Query, State.TopK, State.Mode, State.Threshold, State.VectorWeight, ct));
        _searching = false;
    }
}
