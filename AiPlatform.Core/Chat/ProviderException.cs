namespace AiPlatform.Core.Chat;

/// <summary>
/// A provider answered a model call with an HTTP error (Infrastructure turns its SDK's error into this). The
/// <see cref="Exception.Message"/> is the SDK's own; <see cref="Detail"/> is what the provider said (the message of its
/// OpenAI-shaped error body where it sent one), and the retry hints are those of its answer, unclamped.
/// </summary>
public sealed class ProviderException(int status, string message, string detail, TimeSpan? retryAfter = null, long? retryAfterMilliseconds = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The provider's HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>What the provider said about the refusal.</summary>
    public string Detail { get; } = detail;

    /// <summary>The provider's <c>Retry-After</c> (seconds or an HTTP date, as a wait from when it answered).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The provider's <c>retry-after-ms</c> (OpenAI's), when it sent one.</summary>
    public long? RetryAfterMilliseconds { get; } = retryAfterMilliseconds;
}
