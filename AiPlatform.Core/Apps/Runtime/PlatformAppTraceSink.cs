using AiPlatform.Core.Access;
using AiPlatform.Core.Tracing;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>Writes app run traces as the platform's own traces (source <c>app</c>), in the run user's trace experiment.</summary>
public sealed class PlatformAppTraceSink(PlatformTraceWriter writer) : IAppTraceSink
{
    public const string Source = "app";

    public void Submit(CallerIdentity owner, TraceBuilder trace) => writer.Submit(owner.Id, owner.UserName, Source, trace);
}
