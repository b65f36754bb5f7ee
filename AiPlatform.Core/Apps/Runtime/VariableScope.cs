using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>
/// The variables one graph sees: its own (the nodes that ran, the iteration's item) and, through the parent, those of
/// the graphs around it. All scopes of a run share one lock: branches and iteration items run in parallel.
/// </summary>
internal sealed class VariableScope(VariableScope? parent, object gate)
{
    private readonly JsonObject _own = [];

    public object Gate => gate;

    public void Set(string root, JsonNode? value)
    {
        lock (gate)
        {
            _own[root] = value;
        }
    }

    /// <summary>A deep copy of the value; <paramref name="found"/> is false when no scope has the root.</summary>
    public JsonNode? Resolve(AppVariableReference reference, out bool found)
    {
        lock (gate)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope._own.TryGetPropertyValue(reference.Root, out var root))
                {
                    found = true;
                    return AppVariables.Walk(root, reference.Path)?.DeepClone();
                }
            }

            found = false;
            return null;
        }
    }

    /// <summary>A copy of this scope's own variables (not its parents').</summary>
    public JsonObject Snapshot()
    {
        lock (gate)
        {
            return (JsonObject)_own.DeepClone();
        }
    }

    private VariableScope? Parent { get; } = parent;
}
