using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AiPlatform.Infrastructure.Chat;

/// <summary>
/// Says "timed out" where the SDK's network timeout surfaces as a bare cancellation that the caller did not ask for, so
/// that chat and the gateway can tell a slow provider from a user who stopped.
/// </summary>
internal sealed class ProviderTimeoutChatClient(IChatClient inner, TimeSpan timeout) : DelegatingChatClient(inner)
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
            throw TimedOut(e, waited.Elapsed);
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
                throw TimedOut(e, waited.Elapsed);
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
    private TimeoutException TimedOut(Exception e, TimeSpan waited) =>
        waited >= timeout - TimeSpan.FromMilliseconds(100)
            ? new($"the provider sent nothing for {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (Chat:ProviderTimeout), so the request was stopped.", e)
            : new($"the request to the provider was given up after {waited.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: {e.Message}", e);
}
