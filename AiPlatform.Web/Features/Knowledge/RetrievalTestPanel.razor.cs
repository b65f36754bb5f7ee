using System.Globalization;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>
/// The retrieval console: the chunks a question retrieves, with their scores and ranks, in any retrieval mode; and why
/// they are in that order (the question's language, what the embedding model serves, the vector weight).
/// </summary>
public partial class RetrievalTestPanel : PlatformPage
{
    private bool _searching;
    private Guid _loadedFor;
    private double? _defaultWeight;

    [Inject]
    private KnowledgeRetrievalService Retrieval { get; set; } = default!;

    [Inject]
    private KnowledgeService Knowledge { get; set; } = default!;

    [Parameter, EditorRequired]
    public Guid KnowledgeBaseId { get; set; }

    /// <summary>The question, its settings and the last hits; the page holds them, so they outlive a switch to another tab.</summary>
    [Parameter, EditorRequired]
    public RetrievalConsole State { get; set; } = default!;

    /// <summary>The knowledge base's own vector weight, shown where the field is empty.</summary>
    private string? DefaultWeightText => _defaultWeight?.ToString("0.###", CultureInfo.CurrentCulture);

    protected override async Task OnParametersSetAsync()
    {
        // The page re-renders every second: read the knowledge base's weight once per knowledge base (and after each search).
        if (_loadedFor != KnowledgeBaseId)
        {
            _loadedFor = KnowledgeBaseId;
            await RunAsync(async ct => _defaultWeight = (await Knowledge.GetAsync(KnowledgeBaseId, ct)).KnowledgeBase.VectorWeight ?? HybridFusion.DefaultVectorWeight);
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
        await RunAsync(async ct =>
        {
            var query = State.Query;
            State.Result = await Retrieval.SearchAsync(KnowledgeBaseId, query, State.TopK, State.Mode, State.Threshold, State.VectorWeight, ct);
            State.ResultQuery = query;
            if (State.VectorWeight is null)
            {
                _defaultWeight = State.Result.Ranking.VectorWeight;
            }
        });
        _searching = false;
    }

    /// <summary>
    /// The last question was ranked by keywords (its language is one the embedding model does not serve), so the vector
    /// weight changes nothing for it: the field is disabled and says so until the question is changed.
    /// </summary>
    private bool WeightIgnored =>
        State.Result?.Ranking.Strategy == RankingStrategy.KeywordLed && string.Equals(State.Query, State.ResultQuery, StringComparison.Ordinal);

    /// <summary>A warning where vectors could not help: keyword-led hybrid, or vector mode in a language the model does not serve.</summary>
    private static bool Warns(RetrievalRanking ranking) =>
        ranking.Strategy == RankingStrategy.KeywordLed || (ranking.Strategy == RankingStrategy.VectorOnly && !ranking.Embedder.Serves(ranking.QuestionLanguage));

    /// <summary>The ranking's reason in the UI's language, with the languages named and, where it matters, the hits in languages the model does not serve.</summary>
    private string Explain(RetrievalRanking ranking)
    {
        var text = L[
            ranking.ReasonKey,
            L.LanguageName(ranking.QuestionLanguage),
            L.LanguageNames(ranking.Embedder.Languages),
            ranking.Embedder.Model,
            ranking.VectorWeight.ToString("0.###", CultureInfo.CurrentCulture),
            ranking.UnservedHits].Value;
        // "N of the hits are in a language the model does not serve" adds nothing where the question's own language is unserved.
        var unserved = ranking.Strategy switch
        {
            RankingStrategy.Fused => "Kb.Rank.Unserved.Fused",
            RankingStrategy.VectorOnly when ranking.Embedder.Serves(ranking.QuestionLanguage) => "Kb.Rank.Unserved.Vector",
            RankingStrategy.KeywordLed => "Kb.Rank.WeightNotApplied",
            _ => null,
        };
        return unserved switch
        {
            "Kb.Rank.WeightNotApplied" => $"{text} {L[unserved].Value}",
            not null when ranking.UnservedHits > 0 => $"{text} {L[unserved, ranking.UnservedHits].Value}",
            _ => text,
        };
    }
}
