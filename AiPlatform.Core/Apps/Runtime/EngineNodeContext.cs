using System.Text.Json.Nodes;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracing;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>The engine's <see cref="NodeRunContext"/>: variables from the node's scope, its span, nested graphs under it.</summary>
internal sealed class EngineNodeContext(RunState run, GraphScheduler scheduler, AppNode node, VariableScope scope, SpanBuilder span, CancellationToken nodeToken) : NodeRunContext
{
    private readonly JsonObject _resolved = [];

    public override AppRunRequest Request => run.Request;

    public override AppNode Node => node;

    public override SpanBuilder Span => span;

    public override bool Streaming => run.Listening && run.StreamTargets.Contains(node.Id);

    public override JsonNode? Resolve(string reference)
    {
        if (!AppVariables.TryParse(reference, out var parsed))
        {
            throw new ValidationException(node.Id, $"'{reference}' is not a variable such as {{{{node.field}}}}.") { MessageKey = "Apps.Error.VariableSyntax", MessageArguments = [node.Id, reference] };
        }

        return Resolve(parsed);
    }

    private JsonNode? Resolve(AppVariableReference reference)
    {
        var value = scope.Resolve(reference, out var found);
        if (!found)
        {
            throw new ValidationException(node.Id, $"Node '{node.Id}' uses {reference}, but '{reference.Root}' is not a node that ran before it.")
            {
                MessageKey = "Apps.Error.UnknownVariable",
                MessageArguments = [node.Id, reference.ToString()],
            };
        }

        lock (_resolved)
        {
            _resolved[reference.Text] = value?.DeepClone();
        }

        return value;
    }

    public override string Render(string? template) => AppVariables.Render(template, Resolve);

    public override async Task<SubGraphResult> RunSubGraphAsync(AppGraph body, JsonObject scopeVariables, int? index, CancellationToken ct)
    {
        var inner = new VariableScope(scope, scope.Gate);
        foreach (var (name, value) in scopeVariables)
        {
            inner.Set(name, value?.DeepClone());
        }

        var parent = index is { } i ? run.StartSpan($"{node.Id}[{i}]", "CHAIN", scopeVariables, span) : span;
        var outcome = await scheduler.RunAsync(body, inner, parent, node.Id, index, ct);
        if (index is not null)
        {
            run.WithSpan(() =>
            {
                if (outcome.Failure is { } f)
                {
                    parent.RecordError(f.Key ?? "NodeFailed", f.Message);
                }

                parent.End(outcome.Status == GraphStatus.Succeeded ? TraceState.Ok : TraceState.Error, outcome.Failure?.Message);
            });
        }

        if (outcome.Status == GraphStatus.Cancelled)
        {
            ct.ThrowIfCancellationRequested();
            nodeToken.ThrowIfCancellationRequested();
            throw new OperationCanceledException();
        }

        var failure = outcome.Failure;
        return new SubGraphResult(outcome.Status == GraphStatus.Succeeded, inner.Snapshot(), failure?.Message, failure?.Key, failure?.Arguments, failure?.NodeId);
    }

    public override ValueTask EmitAsync(AppRunEvent runEvent) =>
        run.EmitAsync(runEvent.NodeId is null ? runEvent with { NodeId = node.Id } : runEvent);

    /// <summary>The variables the node resolved so far, by reference (what a failed node is recorded with).</summary>
    public JsonObject? ResolvedInputs()
    {
        lock (_resolved)
        {
            return _resolved.Count == 0 ? null : (JsonObject)_resolved.DeepClone();
        }
    }
}
