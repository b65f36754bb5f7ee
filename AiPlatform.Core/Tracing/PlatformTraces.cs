using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Tracing;

/// <summary>
/// The hooks through which the platform's own LLM traffic is traced: one call in the gateway, one in chat. Neither
/// throws nor waits for the write (<see cref="PlatformTraceWriter"/>).
/// </summary>
public sealed class PlatformTraces(AccessService access, PlatformTraceWriter writer, TimeProvider time, ILogger<PlatformTraces> logger)
{
    /// <summary>Records one finished gateway call (<see cref="GatewayService.CompleteAsync"/>): the request, the answer, the tokens, the latency, the outcome.</summary>
    public async Task RecordGatewayAsync(GatewayCall call)
    {
        try
        {
            var owner = await access.RequireContextAsync(CancellationToken.None);
            var startedAt = time.GetUtcNow() - call.Latency;
            var trace = new TraceBuilder(call.Operation, call.Operation == "embeddings" ? "EMBEDDING" : "CHAT_MODEL", call.Request, time, startedAt);
            trace.RequestPreview = TraceBuilder.Preview(LastUserText(call.Request) ?? string.Empty);
            trace.Root.SetAttribute("model", call.Model);
            trace.Metadata["aiplatform.model"] = call.Model;
            trace.Root.SetTokenUsage(call.PromptTokens, call.CompletionTokens);
            if (call.Status == GatewayCallStatus.Failed)
            {
                trace.Root.RecordError("ProviderError", call.Error ?? "The provider failed.");
            }
            else if (call.Status == GatewayCallStatus.Cancelled)
            {
                trace.Root.RecordError("Stopped", "The caller stopped before the answer was complete.");
            }

            trace.ResponsePreview = string.IsNullOrEmpty(call.Answer) ? null : TraceBuilder.Preview(call.Answer);
            trace.End(new { content = call.Answer, status = call.Status.ToString() }, call.Status == GatewayCallStatus.Completed ? TraceState.Ok : TraceState.Error, call.Error);
            writer.Submit(owner.UserId, owner.UserName, GatewayService.UsageSource, trace);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not trace a gateway call of model {Model}", call.Model);
        }
    }

    private static string? LastUserText(System.Text.Json.Nodes.JsonObject request)
    {
        if (request["messages"] is System.Text.Json.Nodes.JsonArray messages)
        {
            var user = messages.LastOrDefault(m => m?["role"]?.GetValue<string>() == "user");
            return user?["content"] switch
            {
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var text) => text,
                { } other => other.ToJsonString(),
                null => null,
            };
        }

        return request["input"] switch
        {
            System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var text) => text,
            { } other => other.ToJsonString(),
            null => null,
        };
    }

    /// <summary>Records one chat answer (or several side by side): the question, the retrieved chunks, each model's answer.</summary>
    public async Task RecordChatAsync(Conversation conversation, string? question, IReadOnlyList<Knowledge.RetrievalHit> hits, IReadOnlyList<ConversationMessage> answers, DateTimeOffset startedAt)
    {
        try
        {
            var owner = await access.RequireContextAsync(CancellationToken.None);
            var trace = new TraceBuilder("chat.answer", "CHAIN", new { conversation_id = conversation.Id, question, system_prompt = conversation.SystemPrompt, knowledge_bases = conversation.KnowledgeBaseIds }, time, startedAt);
            trace.RequestPreview = TraceBuilder.Preview(question ?? string.Empty);
            trace.Metadata["aiplatform.conversation"] = conversation.Id.ToString();
            if (conversation.KnowledgeBaseIds.Count > 0)
            {
                var firstAnswer = answers.Count > 0 ? answers.Min(a => a.CreatedAt) : time.GetUtcNow();
                var retrieval = trace.StartSpan("retrieve", "RETRIEVER", new { query = question, knowledge_bases = conversation.KnowledgeBaseIds }, startedAt: startedAt);
                retrieval.SetOutputs(hits.Select(h => new { document = h.DocumentName, heading = h.Heading, chunk_id = h.ChunkId, ordinal = h.Ordinal, similarity = Math.Round(h.Similarity, 4), text = h.Text }).ToList());
                retrieval.End(endedAt: firstAnswer < startedAt ? startedAt : firstAnswer);
            }

            foreach (var answer in answers)
            {
                var llm = trace.StartSpan(answer.Model ?? "model", "CHAT_MODEL", new { model = answer.Model, question, system_prompt = conversation.SystemPrompt, sources = hits.Count }, startedAt: answer.CreatedAt);
                llm.SetAttribute("model", answer.Model);
                llm.SetOutputs(answer.Content);
                llm.SetTokenUsage(answer.PromptTokens, answer.CompletionTokens);
                if (answer.Status != MessageStatus.Complete)
                {
                    llm.RecordError(answer.Status.ToString(), answer.Error ?? "The answer was stopped.");
                }

                llm.End(answer.Status == MessageStatus.Complete ? TraceState.Ok : TraceState.Error, answer.Error);
            }

            var ok = answers.Count > 0 && answers.All(a => a.Status == MessageStatus.Complete);
            var first = answers.FirstOrDefault();
            trace.ResponsePreview = first is null ? null : TraceBuilder.Preview(first.Content);
            trace.End(answers.Select(a => new { model = a.Model, content = a.Content, status = a.Status.ToString() }).ToList(), ok ? TraceState.Ok : TraceState.Error, first?.Error);
            writer.Submit(conversation.OwnerId, owner.UserName, "chat", trace);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not trace a chat answer of conversation {ConversationId}", conversation.Id);
        }
    }
}
