using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace AiPlatform.Core.Tracing;

/// <summary>
/// Traces every call through a chat client (the gateway's): the model, the messages, the answer, the tokens, the
/// latency and the outcome. The trace is handed to <see cref="PlatformTraceWriter"/> once the answer is complete, so
/// the caller never waits for it and never sees its failures.
/// </summary>
public sealed class TracingChatClient(IChatClient inner, PlatformTraceWriter writer, Guid ownerId, string ownerName, string model, string source, TimeProvider time)
    : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var trace = Start(list, options, stream: false);
        try
        {
            var response = await base.GetResponseAsync(list, options, cancellationToken);
            Finish(trace, response.Text, response.Usage, response.FinishReason?.Value, null, completed: true);
            return response;
        }
        catch (Exception e)
        {
            Finish(trace, null, null, null, e, completed: false);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var trace = Start(list, options, stream: true);
        var text = new StringBuilder();
        UsageDetails? usage = null;
        string? finish = null;
        Exception? failure = null;
        var completed = false;
        try
        {
            await using var updates = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        completed = true;
                        break;
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                    throw;
                }

                var update = updates.Current;
                text.Append(update.Text);
                usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
                finish = update.FinishReason?.Value ?? finish;
                yield return update;
            }
        }
        finally
        {
            Finish(trace, text.ToString(), usage, finish, failure, completed);
        }
    }

    private TraceBuilder Start(IList<ChatMessage> messages, ChatOptions? options, bool stream)
    {
        var inputs = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["messages"] = messages.Select(m => new { role = m.Role.Value, content = m.Text }).ToList(),
            ["stream"] = stream,
            ["max_tokens"] = options?.MaxOutputTokens,
            ["temperature"] = options?.Temperature,
        };
        var trace = new TraceBuilder("chat.completions", "CHAT_MODEL", inputs, time);
        trace.RequestPreview = TraceBuilder.Preview(messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty);
        trace.Root.SetAttribute("model", model);
        trace.Metadata["aiplatform.model"] = model;
        return trace;
    }

    private void Finish(TraceBuilder trace, string? text, UsageDetails? usage, string? finish, Exception? failure, bool completed)
    {
        if (usage is not null)
        {
            trace.Root.SetTokenUsage(usage.InputTokenCount ?? 0, usage.OutputTokenCount ?? 0);
        }

        if (failure is not null)
        {
            trace.Root.RecordError(failure.GetType().Name, failure.Message);
        }
        else if (!completed)
        {
            trace.Root.RecordError("Stopped", "The caller stopped before the answer was complete.");
        }

        trace.ResponsePreview = string.IsNullOrEmpty(text) ? null : TraceBuilder.Preview(text);
        trace.End(new { content = text, finish_reason = finish }, failure is null && completed ? TraceState.Ok : TraceState.Error, failure?.Message);
        writer.Submit(ownerId, ownerName, source, trace);
    }
}
