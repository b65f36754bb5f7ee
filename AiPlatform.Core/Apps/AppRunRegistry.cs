using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// The runs going on in this process, by run id, with their record as it is now: a cancel from the UI or the API reaches the
/// running engine, and a run not stored yet (<see cref="AppRunRecorder"/>) can still be looked at and cancelled.
/// </summary>
public sealed class AppRunRegistry : CancellationRegistry<AppRun>;
