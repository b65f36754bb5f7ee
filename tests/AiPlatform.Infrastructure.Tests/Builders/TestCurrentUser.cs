using AiPlatform.Core.Access;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>The caller as a test sets it; null means system work.</summary>
public sealed class TestCurrentUser : ICurrentUser
{
    public CallerIdentity? Caller { get; set; }

    public string? ClientIp => "127.0.0.9";

    public string? CorrelationId => "test-correlation";

    public ValueTask<CallerIdentity?> GetAsync(CancellationToken ct) => ValueTask.FromResult(ActingCaller.Current ?? Caller);
}
