using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracing;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>
/// A node run outside the engine: the node, the upstream outputs it may reference (<c>{"start": {...}}</c>) and the
/// request, with <c>{{ref}}</c> resolution as the contract describes it (strings as they are, other values as JSON).
/// </summary>
public sealed partial class TestNodeRunContext : NodeRunContext
{
    private readonly JsonObject _variables;
    private readonly TraceBuilder _trace = new("test-run", "CHAIN", null, TimeProvider.System);

    public TestNodeRunContext(AppNode node, JsonObject? variables = null, AppRunRequest? request = null, CallerIdentity? runAs = null, AppKind kind = AppKind.Workflow)
    {
        Node = node;
        _variables = variables ?? [];
        var app = new App { Id = Guid.NewGuid(), Slug = "test-app", Name = "Test app", Kind = kind };
        Request = request ?? new AppRunRequest(app, new AppGraph { Nodes = [node] }, null, [], runAs ?? new CallerIdentity(Guid.Empty, "nobody"), AppRunSources.Draft);
        Span = _trace.StartSpan(node.Id, "LLM");
    }

    public override AppRunRequest Request { get; }

    public override AppNode Node { get; }

    public override SpanBuilder Span { get; }

    public override bool Streaming => StreamingRequested;

    public bool StreamingRequested { get; set; }

    public List<AppRunEvent> Events { get; } = [];

    public override JsonNode? Resolve(string reference)
    {
        var path = reference.Trim().TrimStart('{').TrimEnd('}').Trim().Split('.');
        JsonNode? current = path[0] == "sys" ? System() : _variables[path[0]]
            ?? throw new ValidationException("variable", $"Unknown variable '{reference}'.") { MessageKey = "Apps.Error.UnknownVariable", MessageArguments = [reference] };
        foreach (var segment in path.Skip(1))
        {
            current = current switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }

        return current;
    }

    public override string Render(string? template) =>
        template is null ? string.Empty : Reference().Replace(template, m => Resolve(m.Groups[1].Value) switch
        {
            null => string.Empty,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => other.ToJsonString(),
        });

    public override Task<SubGraphResult> RunSubGraphAsync(AppGraph body, JsonObject scope, int? index, CancellationToken ct) =>
        throw new NotSupportedException("Service nodes run no sub-graphs.");

    public override ValueTask EmitAsync(AppRunEvent runEvent)
    {
        Events.Add(runEvent);
        return ValueTask.CompletedTask;
    }

    private JsonObject System() => new()
    {
        ["query"] = Request.Query,
        ["user"] = Request.RunAs.UserName,
        ["conversation_id"] = Request.ConversationId?.ToString(),
    };

    [GeneratedRegex(@"\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\s*\}\}")]
    private static partial Regex Reference();
}
