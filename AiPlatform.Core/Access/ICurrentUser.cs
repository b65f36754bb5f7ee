namespace AiPlatform.Core.Access;

/// <summary>The signed-in caller of the current request or Blazor circuit, and where the request came from.</summary>
public interface ICurrentUser
{
    /// <summary>The caller; null for anonymous callers and for system work (jobs, start-up).</summary>
    ValueTask<CallerIdentity?> GetAsync(CancellationToken ct);

    string? ClientIp { get; }

    string? CorrelationId { get; }
}
