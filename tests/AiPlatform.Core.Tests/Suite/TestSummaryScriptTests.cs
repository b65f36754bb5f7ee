using System.Diagnostics;

namespace AiPlatform.Core.Tests.Suite;

/// <summary>
/// The gate of <c>scripts/test.sh</c>: <c>scripts/test-summary.py</c> decides from the trx files whether the run
/// passed. A project that ran no test, a missing result file and inconclusive or not-runnable results must fail it.
/// </summary>
public sealed class TestSummaryScriptTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("aip-trx-").FullName;

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public async Task Passed_and_skipped_results_pass_the_run_and_the_last_line_counts_them()
    {
        Write("A", Counters(executed: 3, passed: 3), Result("A.one", "Passed"), Result("A.two", "Passed"), Result("A.three", "Passed"));
        Write("B", Counters(executed: 1, passed: 1, notExecuted: 1), Result("B.one", "Passed"), Result("B.cluster", "NotExecuted", stdout: "Set KUBECONFIG to run"));

        var (exit, output) = await RunAsync("A", "B");

        exit.ShouldBe(0, output);
        output.TrimEnd().Split('\n')[^1].ShouldBe("4 passed, 0 failed, 1 skipped");
        output.ShouldContain("NotExecuted: B.cluster (Set KUBECONFIG to run)");
    }

    [Fact]
    public async Task A_project_that_executed_no_test_fails_the_run()
    {
        Write("A", Counters(executed: 3, passed: 3));
        Write("Empty", Counters(executed: 0, passed: 0));

        var (exit, output) = await RunAsync("A", "Empty");

        exit.ShouldBe(1, output);
        output.ShouldContain("ERROR Empty: executed no test");
    }

    [Fact]
    public async Task A_project_without_a_result_file_fails_the_run()
    {
        Write("A", Counters(executed: 3, passed: 3));

        var (exit, output) = await RunAsync("A", "Missing");

        exit.ShouldBe(1, output);
        output.ShouldContain("ERROR Missing: no result file");
    }

    [Fact]
    public async Task A_test_host_that_crashed_fails_the_run_although_its_counters_look_clean()
    {
        Write("A", Counters(executed: 3, passed: 3) + """<RunInfos><RunInfo computerName="ci" outcome="Error" timestamp="2026-12-06T12:00:00"><Text>The active test run was aborted. Reason: Test host process crashed</Text></RunInfo></RunInfos>""",
            Result("A.one", "Passed"), Result("A.two", "Passed"), Result("A.three", "Passed"));

        var (exit, output) = await RunAsync("A");

        exit.ShouldBe(1, output);
        output.ShouldContain("ERROR A: the test run reported an error: The active test run was aborted. Reason: Test host process crashed");
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("inconclusive")]
    [InlineData("notRunnable")]
    [InlineData("timeout")]
    [InlineData("aborted")]
    public async Task Any_result_that_is_not_a_pass_or_a_skip_counts_as_failed(string kind)
    {
        Write("A", Counters(executed: 3, passed: 2, extra: (kind, 1)), Result("A.odd", kind switch { "notRunnable" => "NotRunnable", _ => char.ToUpperInvariant(kind[0]) + kind[1..] }, message: "why it did not pass"));

        var (exit, output) = await RunAsync("A");

        exit.ShouldBe(1, output);
        output.TrimEnd().Split('\n')[^1].ShouldBe("2 passed, 1 failed, 0 skipped");
        output.ShouldContain("A.odd (why it did not pass)");
    }

    /// <summary>Counters as xunit writes them: a skipped test counts in total but not in executed, and notExecuted stays 0.</summary>
    private static string Counters(int executed, int passed, int notExecuted = 0, (string Name, int Count)? extra = null) =>
        $"""<Counters total="{executed + notExecuted}" executed="{executed}" passed="{passed}" failed="0" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" """
            .Replace($"{extra?.Name}=\"0\"", $"{extra?.Name}=\"{extra?.Count}\"", StringComparison.Ordinal) + "/>";

    private static string Result(string name, string outcome, string? message = null, string? stdout = null) =>
        $"""<UnitTestResult testName="{name}" outcome="{outcome}"><Output>{(stdout is null ? "" : $"<StdOut>{stdout}</StdOut>")}{(message is null ? "" : $"<ErrorInfo><Message>{message}</Message></ErrorInfo>")}</Output></UnitTestResult>""";

    private void Write(string project, string counters, params string[] results) =>
        File.WriteAllText(Path.Combine(_results, project + ".trx"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>{string.Concat(results)}</Results>
              <ResultSummary outcome="Completed">{counters}</ResultSummary>
            </TestRun>
            """.TrimStart());

    private async Task<(int Exit, string Output)> RunAsync(params string[] projects)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "scripts", "test-summary.py"));
        start.ArgumentList.Add(_results);
        foreach (var project in projects)
        {
            start.ArgumentList.Add(project);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AiPlatform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("AiPlatform.sln not found above " + AppContext.BaseDirectory);
    }
}
