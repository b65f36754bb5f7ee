using AiPlatform.Core.Common;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// Cancellation sources of the jobs running in this process, so that a cancel issued here takes effect
/// at once; cancels issued on another node reach the job through the store within one poll interval.
/// </summary>
public sealed class JobCancellationRegistry : CancellationRegistry<bool>;
