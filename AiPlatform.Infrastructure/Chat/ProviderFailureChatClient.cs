using System.ClientModel;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using AiPlatform.Core.Chat;
using Microsoft.Extensions.AI;

namespace AiPlatform.Infrastructure.Chat;

/// <summary>
/// Says "timed out" where the SDK's network timeout surfaces as a bare cancellation that the caller did not ask for, so
/// that chat and the gateway can tell a slow provider from a user who stopped; and turns the SDK's error for a
/// provider's HTTP refusal into a <see cref="ProviderException"/> with what the provider said and its retry hints, so
/// that no caller needs the SDK's types.
/// </summary>
internal sealed class ProviderFailureChatClient(IChatClient inner, TimeSpan timeout) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(e, waited.Elapsed, timeout);
        }
        catch (ClientResultException e)
        {
            throw Refused(e);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            var waited = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                more = await updates.MoveNextAsync();
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(e, waited.Elapsed, timeout);
            }
            catch (ClientResultException e)
            {
                throw Refused(e);
            }

            if (!more)
            {
                yield break;
            }

            yield return updates.Current;
        }
    }

    /// <summary>
    /// The SDK's timeout when the wait lasted that long; a cancellation nobody asked for that came sooner (a connect
    /// timeout in the handler, say) is not blamed on Chat:ProviderTimeout.
    /// </summary>
    internal static TimeoutException TimedOut(Exception e, TimeSpan waited, TimeSpan timeout) =>
        waited >= timeout - TimeSpan.FromMilliseconds(100)
            ? new($"the provider sent nothing for {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (Chat:ProviderTimeout), so the request was stopped.", e)
            : new($"the request to the provider was given up after {waited.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: {e.Message}", e);

    /// <summary>The SDK's error for a provider's HTTP answer, as the platform's: the SDK's message, the provider's own words and retry hints.</summary>
    private static ProviderException Refused(ClientResultException e)
    {
        var raw = e.GetRawResponse();
        var detail = raw is not null && OpenAiConnector.ErrorMessage(raw.Content.ToString()) is { } message ? message : e.Message;
        TimeSpan? retryAfter = raw is not null && raw.Headers.TryGetValue("Retry-After", out var value) && RetryConditionHeaderValue.TryParse(value, out var condition)
            ? condition.Delta ?? condition.Date - DateTimeOffset.UtcNow
            : null;
        long? retryAfterMs = raw is not null && raw.Headers.TryGetValue("retry-after-ms", out var milliseconds) && long.TryParse(milliseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : null;
        return new ProviderException(e.Status, e.Message, detail, retryAfter, retryAfterMs, e);
    }
}
