using System.Diagnostics;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Apps;

namespace AiPlatform.Infrastructure.Tests.Apps.Scripting;

public sealed class JintScriptRunnerTests
{
    private static JintScriptRunner Runner(Action<AppCodeSettings>? change = null)
    {
        var settings = new AppSettings();
        change?.Invoke(settings.Code);
        return new JintScriptRunner(settings);
    }

    [Fact]
    public async Task Main_gets_the_inputs_and_its_result_comes_back_as_json()
    {
        const string code = """
            function main(inputs) {
              const words = inputs.text.split(' ');
              return { count: words.length, upper: words.map(w => w.toUpperCase()), first: inputs.rows[0].name, ok: true, none: null, half: inputs.n / 2 };
            }
            """;
        var inputs = new JsonObject { ["text"] = "hello big world", ["rows"] = new JsonArray(new JsonObject { ["name"] = "Ada" }), ["n"] = 5 };

        var result = (await Runner().RunAsync(code, inputs, CancellationToken.None))!.AsObject();

        result["count"]!.GetValue<double>().ShouldBe(3);
        result["upper"]!.AsArray().Select(w => w!.GetValue<string>()).ShouldBe(["HELLO", "BIG", "WORLD"]);
        result["first"]!.GetValue<string>().ShouldBe("Ada");
        result["ok"]!.GetValue<bool>().ShouldBeTrue();
        result["none"].ShouldBeNull();
        result["half"]!.GetValue<double>().ShouldBe(2.5);
    }

    [Fact]
    public async Task A_scalar_or_nothing_returned_maps_to_a_value_or_null()
    {
        (await Runner().RunAsync("function main(i) { return 'x' + i.a; }", new JsonObject { ["a"] = 1 }, CancellationToken.None))!.GetValue<string>().ShouldBe("x1");
        (await Runner().RunAsync("function main(i) { }", [], CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task An_endless_loop_is_stopped_by_the_time_limit()
    {
        var watch = Stopwatch.StartNew();

        var error = await Should.ThrowAsync<ValidationException>(() => Runner(c => { c.TimeoutMs = 300; c.MaxStatements = int.MaxValue; }).RunAsync("function main(i) { while (true) { } }", [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeTimeout");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_catastrophic_regex_is_stopped_by_the_code_time_limit()
    {
        var watch = Stopwatch.StartNew();

        // Jint's default regex timeout is 10 s: without the code limit applied to regexes this runs 10 s or longer.
        var error = await Should.ThrowAsync<ValidationException>(() => Runner(c => { c.TimeoutMs = 300; c.MaxStatements = int.MaxValue; })
            .RunAsync("function main(i) { return /^(a+)+$/.test('a'.repeat(40) + 'b'); }", [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeTimeout");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_huge_allocation_is_stopped_by_the_memory_limit()
    {
        const string code = "function main(i) { const all = []; while (true) { all.push('x'.repeat(1024) + all.length); } }";

        var error = await Should.ThrowAsync<ValidationException>(() => Runner(c => { c.MemoryBytes = 8L * 1024 * 1024; c.TimeoutMs = 20_000; }).RunAsync(code, [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeMemory");
    }

    [Fact]
    public async Task Deep_recursion_is_stopped_by_the_recursion_limit()
    {
        var error = await Should.ThrowAsync<ValidationException>(() => Runner(c => c.MaxRecursion = 50).RunAsync("function f(n) { return f(n + 1) + 1; } function main(i) { return f(0); }", [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeRecursion");
    }

    [Theory]
    [InlineData("function main(i) { return System.IO.File.ReadAllText('/etc/passwd'); }")]
    [InlineData("function main(i) { return importNamespace('System.IO').File.Exists('/etc/passwd'); }")]
    [InlineData("function main(i) { return eval('1 + 1'); }")]
    [InlineData("function main(i) { return new Function('return 1')(); }")]
    public async Task The_host_is_not_reachable(string code)
    {
        var error = await Should.ThrowAsync<ValidationException>(() => Runner().RunAsync(code, [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeFailed");
    }

    [Fact]
    public async Task A_script_error_names_its_line()
    {
        const string code = "function main(i) {\n  const a = 1;\n  return i.missing.field;\n}";

        var error = await Should.ThrowAsync<ValidationException>(() => Runner().RunAsync(code, [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeFailed");
        error.MessageArguments[0].ShouldBe(3);
    }

    [Fact]
    public async Task Syntax_errors_and_a_missing_main_are_refused()
    {
        var syntax = await Should.ThrowAsync<ValidationException>(() => Runner().RunAsync("function main(i) {\n  return (;\n}", [], CancellationToken.None));
        syntax.MessageKey.ShouldBe("Apps.Error.CodeFailed");
        syntax.MessageArguments[0].ShouldBe(2);

        var noMain = await Should.ThrowAsync<ValidationException>(() => Runner().RunAsync("const x = 1;", [], CancellationToken.None));
        noMain.MessageKey.ShouldBe("Apps.Error.CodeNoMain");
    }

    [Fact]
    public async Task Strict_mode_refuses_undeclared_variables()
    {
        var error = await Should.ThrowAsync<ValidationException>(() => Runner().RunAsync("function main(i) { leaked = 1; return leaked; }", [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.CodeFailed");
    }

    [Fact]
    public async Task Cancelling_stops_a_running_script()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(() => Runner(c => { c.TimeoutMs = 60_000; c.MaxStatements = int.MaxValue; }).RunAsync("function main(i) { while (true) { } }", [], cts.Token));
    }
}
