using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>Why a node (or a run) failed: the English message, and the resource key with its arguments when there is one.</summary>
internal sealed record NodeFailure(string Message, string? Key, IReadOnlyList<string>? Arguments, string? NodeId = null)
{
    public static NodeFailure From(Exception e, string nodeId) => e switch
    {
        ValidationException v => new(string.Join(" ", v.Errors.Values.SelectMany(x => x)), v.MessageKey, Strings(v.MessageArguments), nodeId),
        PlatformException p => new(p.Message, p.MessageKey, Strings(p.MessageArguments), nodeId),
        _ => new($"Node '{nodeId}' failed: {e.Message}", "Apps.Error.NodeFailed", [nodeId, e.Message], nodeId),
    };

    public static NodeFailure Timeout(string nodeId, TimeSpan limit) =>
        new($"Node '{nodeId}' took longer than {limit.TotalSeconds:0.###} s.", "Apps.Error.NodeTimeout", [nodeId, limit.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)], nodeId);

    private static List<string>? Strings(IReadOnlyList<object> arguments) =>
        arguments.Count == 0 ? null : [.. arguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty)];
}
