namespace AiPlatform.Core.Access;

/// <summary>
/// Runs a piece of work with another user's rights: inside <see cref="Begin"/>, <see cref="ICurrentUser.GetAsync"/>
/// answers that user, so every service call checks the grants and capabilities they hold now (an app's published
/// version runs with its publisher's rights). Flows with the async context; leaving the scope restores the caller.
/// </summary>
public static class ActingCaller
{
    private static readonly AsyncLocal<CallerIdentity?> Acting = new();

    /// <summary>The user whose rights apply in this async context, if a scope set one.</summary>
    public static CallerIdentity? Current => Acting.Value;

    public static IDisposable Begin(CallerIdentity caller)
    {
        var previous = Acting.Value;
        Acting.Value = caller;
        return new Scope(previous);
    }

    /// <summary>
    /// Clears the acting user for a scope, so work started inside it (a listener's UI or stream updates that capture the
    /// execution context) runs as the request's own user, never with the rights of the user a run acts as.
    /// </summary>
    public static IDisposable Suspend()
    {
        var previous = Acting.Value;
        Acting.Value = null;
        return new Scope(previous);
    }

    private sealed class Scope(CallerIdentity? previous) : IDisposable
    {
        public void Dispose() => Acting.Value = previous;
    }
}
