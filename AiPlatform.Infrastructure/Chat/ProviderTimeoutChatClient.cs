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
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(e);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await updates.MoveNextAsync();
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(e);
            }

            if (!more)
            {
                yield break;
            }

            yield return updates.Current;
        }
    }

    private TimeoutException TimedOut(Exception e) =>
        new($"the provider sent nothing for {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (Chat:ProviderTimeout), so the request was stopped.", e);
}
