using AiPlatform.Core.Common;

namespace AiPlatform.Core.Training;

/// <summary>The backend cannot isolate custom code (no working sandbox), so it refuses to run it.</summary>
public sealed class SandboxUnavailableException(string message) : PlatformException("sandbox-unavailable", message);
