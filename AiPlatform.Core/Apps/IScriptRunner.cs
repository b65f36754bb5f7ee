using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Runs a code node's JavaScript in a sandbox (no host access; time, memory and recursion limited). The script
/// defines <c>function main(inputs)</c>; the runner calls it with <paramref name="inputs"/> and returns what it
/// returned, as JSON. A script error or a limit hit is a <see cref="Common.ValidationException"/> with key
/// <c>Apps.Error.CodeFailed</c> (or <c>Apps.Error.CodeTimeout</c>, <c>Apps.Error.CodeMemory</c>, <c>Apps.Error.CodeRecursion</c>).
/// </summary>
public interface IScriptRunner
{
    Task<JsonNode?> RunAsync(string code, JsonObject inputs, CancellationToken ct);
}
