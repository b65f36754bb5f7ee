using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The knowledge retrieval node: the question (a template) searched in each listed knowledge base with the run-as
/// user's rights (a base they can no longer read fails the node, naming it), the hits merged by score, the best
/// <c>topK</c> kept. Outputs <c>chunks</c> (text, document, heading, score, ids and a citation number) and <c>text</c>
/// (the chunks numbered and joined, for a prompt).
/// </summary>
public sealed class KnowledgeNode(KnowledgeRetrievalService retrieval) : IAppNodeExecutor
{
    public const int DefaultTopK = 5;

    public string Type => AppNodeTypes.Knowledge;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var ids = ServiceNodeConfig.Ids(node, "knowledgeBases");
        var topK = ServiceNodeConfig.Integer(node, "topK", 1, KnowledgeRetrievalService.MaxTopK) ?? DefaultTopK;
        var threshold = ServiceNodeConfig.Number(node, "threshold");
        if (threshold is < 0 or > 1)
        {
            throw ServiceNodeConfig.Invalid(node, "threshold", threshold.Value.ToString(CultureInfo.InvariantCulture));
        }

        var modeText = ServiceNodeConfig.Text(node, "mode");
        var mode = string.IsNullOrWhiteSpace(modeText) ? RetrievalMode.Hybrid
            : Enum.TryParse<RetrievalMode>(modeText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
            : throw ServiceNodeConfig.Invalid(node, "mode", modeText);
        var query = context.Render(ServiceNodeConfig.Text(node, "query")).Trim();
        if (query.Length == 0)
        {
            throw ServiceNodeConfig.Required(node, "query");
        }

        var hits = new List<RetrievalHit>();
        foreach (var id in ids)
        {
            try
            {
                hits.AddRange((await retrieval.SearchAsync(id, query, topK, mode, threshold, null, ct)).Hits);
            }
            catch (NotFoundException)
            {
                // Deleted, or the user the app runs as lost their grant since it was built: the node says which base.
                throw new NotFoundException("Knowledge base", id) { MessageKey = "Apps.Error.KnowledgeBaseNotReadable", MessageArguments = [node.Id, id.ToString()] };
            }
        }

        var kept = hits.OrderByDescending(h => h.Score).ThenByDescending(h => h.Similarity).Take(topK).ToList();
        var chunks = new JsonArray();
        var text = new StringBuilder();
        for (var i = 0; i < kept.Count; i++)
        {
            var hit = kept[i];
            chunks.Add(new JsonObject
            {
                ["citation"] = i + 1,
                ["text"] = hit.Text,
                ["document"] = hit.DocumentName,
                ["documentId"] = hit.DocumentId.ToString(),
                ["heading"] = hit.Heading,
                ["score"] = Math.Round(hit.Score, 6),
                ["similarity"] = Math.Round(hit.Similarity, 6),
                ["chunkId"] = hit.ChunkId.ToString(),
                ["knowledgeBaseId"] = hit.KnowledgeBaseId.ToString(),
                ["ordinal"] = hit.Ordinal,
            });
            if (i > 0)
            {
                text.Append("\n\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {hit.DocumentName}");
            if (!string.IsNullOrEmpty(hit.Heading))
            {
                text.Append(" — ").Append(hit.Heading);
            }

            text.Append('\n').Append(hit.Text);
        }

        var inputs = new JsonObject
        {
            ["knowledgeBases"] = new JsonArray([.. ids.Select(id => (JsonNode)id.ToString())]),
            ["query"] = query,
            ["topK"] = topK,
            ["threshold"] = threshold,
            ["mode"] = mode.ToString(),
        };
        return new NodeOutcome(new JsonObject { ["chunks"] = chunks, ["text"] = text.ToString() }) { Inputs = inputs };
    }
}
