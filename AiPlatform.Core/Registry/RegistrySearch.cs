using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Registry;

/// <summary>
/// A parsed registry search, ready for the store: the filter's comparisons (attributes and tags), the order (always
/// ending in a unique tie-break, so pages do not overlap), whether prompts are left out, and the page.
/// </summary>
/// <param name="ExcludePrompts">
/// True unless the filter asks for prompts (<c>tags.`mlflow.prompt.is_prompt` = 'true'</c>): then models (and
/// versions of models) tagged as prompts drop out and the prompt clauses are not compared, as in MLflow's store, so a
/// model without the tag matches the <c>!= 'true'</c> clause every MLflow client from 2.21 on appends.
/// </param>
/// <param name="Limit">Rows to return; the service asks one more than the page to know whether another page follows.</param>
public sealed record RegistrySearch(IReadOnlyList<SearchClause> Filter, IReadOnlyList<SearchOrder> Order, bool ExcludePrompts, int Offset, int Limit)
{
    /// <summary>The tag MLflow puts on prompts (they live in the model registry as registered models).</summary>
    public const string PromptTag = "mlflow.prompt.is_prompt";
}

/// <summary>One page of a registry search and whether another follows.</summary>
public sealed record RegistryPage<T>(IReadOnlyList<T> Items, bool HasMore);
