using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using Jint;
using Jint.Native;
using Jint.Runtime;

namespace AiPlatform.Infrastructure.Apps;

/// <summary>
/// Runs code nodes' JavaScript in Jint: strict mode, no CLR access (never <c>AllowClr</c>), no <c>eval</c>, and limits of
/// time, memory, recursion, statements and array size from <c>Apps:Code:*</c>. The inputs go in as JSON and the result
/// comes back as JSON, so no host object is ever reachable from the script.
/// </summary>
internal sealed class JintScriptRunner(AppSettings settings) : IScriptRunner
{
    public Task<JsonNode?> RunAsync(string code, JsonObject inputs, CancellationToken ct)
    {
        if (code.Length > settings.Code.MaxSourceChars)
        {
            throw Failed($"The code is longer than {settings.Code.MaxSourceChars} characters.", "Apps.Error.CodeTooLong", settings.Code.MaxSourceChars);
        }

        // Script work is CPU-bound and synchronous: keep it off the caller's thread; the limits stop it.
        return Task.Run(() => Run(code, inputs, ct), ct);
    }

    private JsonNode? Run(string code, JsonObject inputs, CancellationToken ct)
    {
        var limits = settings.Code;
        using var engine = new Engine(options =>
        {
            options.Strict()
                .DisableStringCompilation()
                .TimeoutInterval(TimeSpan.FromMilliseconds(Math.Max(1, limits.TimeoutMs)))
                .LimitMemory(Math.Max(1, limits.MemoryBytes))
                .LimitRecursion(Math.Max(1, limits.MaxRecursion))
                .MaxStatements(Math.Max(1, limits.MaxStatements))
                .CancellationToken(ct);
            options.Constraints.MaxArraySize = (uint)Math.Clamp(limits.MemoryBytes / 16, 1024, int.MaxValue);

            // A regex match is one native call the statement timer cannot interrupt: bound it by the same time limit
            // (Jint's own default is 10 s), so catastrophic backtracking stops like any other long-running code.
            options.Constraints.RegexTimeout = TimeSpan.FromMilliseconds(Math.Max(1, limits.TimeoutMs));
        });
        try
        {
            engine.Execute(code, "code.js");
            var main = engine.GetValue("main");
            if (main is not Jint.Native.Function.Function)
            {
                throw Failed("The code must define function main(inputs).", "Apps.Error.CodeNoMain");
            }

            var argument = new Jint.Native.Json.JsonParser(engine).Parse(inputs.ToJsonString());
            var result = engine.Invoke(main, argument);
            if (result.IsUndefined() || result.IsNull())
            {
                return null;
            }

            var json = new Jint.Native.Json.JsonSerializer(engine).Serialize(result);
            return json.IsString() ? JsonNode.Parse(json.AsString()) : null;
        }
        catch (ValidationException)
        {
            throw;
        }
        catch (ExecutionCanceledException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
        catch (TimeoutException)
        {
            throw Failed($"The code ran longer than {limits.TimeoutMs} ms.", "Apps.Error.CodeTimeout", limits.TimeoutMs);
        }
        catch (StatementsCountOverflowException)
        {
            throw Failed($"The code ran more than {limits.MaxStatements} statements.", "Apps.Error.CodeTimeout", limits.TimeoutMs);
        }
        catch (MemoryLimitExceededException)
        {
            throw Failed($"The code used more than {limits.MemoryBytes / (1024 * 1024)} MB of memory.", "Apps.Error.CodeMemory", limits.MemoryBytes / (1024 * 1024));
        }
        catch (RecursionDepthOverflowException)
        {
            throw Failed($"The code called functions more than {limits.MaxRecursion} deep.", "Apps.Error.CodeRecursion", limits.MaxRecursion);
        }
        catch (JavaScriptException e)
        {
            var line = e.Location.Start.Line;
            throw Failed($"The code failed at line {line}: {e.Message}", "Apps.Error.CodeFailed", line, e.Message);
        }
        catch (Acornima.ParseErrorException e)
        {
            throw Failed($"The code failed at line {e.LineNumber}: {e.Description}", "Apps.Error.CodeFailed", e.LineNumber, e.Description);
        }
        catch (JsonException e)
        {
            throw Failed($"The code's result is not JSON: {e.Message}", "Apps.Error.CodeFailed", 0, e.Message);
        }
        catch (Exception e) when (e is JintException or InvalidOperationException or ArgumentException or OverflowException or OutOfMemoryException or InsufficientExecutionStackException)
        {
            var line = JintException.TryGetJavaScriptLocation(e, out var location) ? location.Start.Line : 0;
            throw Failed($"The code failed at line {line}: {e.Message}", "Apps.Error.CodeFailed", line, e.Message);
        }
    }

    private static ValidationException Failed(string message, string key, params object[] arguments) =>
        new("code", message) { MessageKey = key, MessageArguments = arguments };
}
