namespace AiPlatform.Core.Apps.Runtime;

/// <summary>Where the engine hands a finished run's trace (the platform trace writer; a list in tests).</summary>
public interface IAppTraceSink
{
    /// <summary>Queues the trace for writing under <paramref name="owner"/>'s traces; never throws for a write failure.</summary>
    void Submit(Access.CallerIdentity owner, Tracing.TraceBuilder trace);
}
