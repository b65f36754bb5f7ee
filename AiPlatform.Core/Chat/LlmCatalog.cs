namespace AiPlatform.Core.Chat;

/// <summary>
/// This node's copy of the LLM catalogue (the enabled providers and every model) for the per-request reads of the
/// gateway and chat (<see cref="ProviderService.ListUsableAsync"/>): read from the store at most once per
/// <see cref="MaxAge"/>, and again at once after a change made on this node (<see cref="Invalidate"/>). A change
/// made on another node shows here within <see cref="MaxAge"/>. Who may use which model is still decided per caller.
/// </summary>
public sealed class LlmCatalog(TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private Snapshot? _snapshot;
    private long _version;

    /// <summary>The catalogue, from the copy while it is fresh, else from <paramref name="load"/>.</summary>
    public async Task<(IReadOnlySet<Guid> EnabledProviders, IReadOnlyList<LlmModel> Models)> GetAsync(
        Func<CancellationToken, Task<(IReadOnlySet<Guid> EnabledProviders, IReadOnlyList<LlmModel> Models)>> load, CancellationToken ct)
    {
        var version = Interlocked.Read(ref _version);
        if (Volatile.Read(ref _snapshot) is { } s && s.Version == version && time.GetElapsedTime(s.LoadedAt) < MaxAge)
        {
            return (s.EnabledProviders, s.Models);
        }

        var loadedAt = time.GetTimestamp();
        var (providers, models) = await load(ct);

        // A load that started before a change is kept with the old version, so the next read loads again.
        Volatile.Write(ref _snapshot, new Snapshot(loadedAt, version, providers, models));
        return (providers, models);
    }

    /// <summary>Forgets the copy: the next read goes to the store (after a provider or model is saved or deleted).</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    private sealed record Snapshot(long LoadedAt, long Version, IReadOnlySet<Guid> EnabledProviders, IReadOnlyList<LlmModel> Models);
}
