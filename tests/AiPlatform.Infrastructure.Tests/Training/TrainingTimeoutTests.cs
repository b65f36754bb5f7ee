using System.Globalization;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>
/// A custom run past its time limit (<see cref="CustomLaunch.Timeout"/>, which <c>TimeoutMinutes</c> becomes) on the
/// Local backend, in its sandbox: the run fails with a reason that says it ran out of time, and its whole process tree,
/// a background child included, is gone.
/// </summary>
public sealed class TrainingTimeoutTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    [Fact]
    public async Task A_run_past_its_time_limit_fails_saying_so_and_its_process_tree_is_gone()
    {
        // Unique sleep lengths tell this run's processes apart from anything else on the machine.
        var marker = "2999." + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var launch = new CustomLaunch(Guid.NewGuid(), $"sleep {marker} & sleep {marker}; wait", null, null, null, null, new Dictionary<string, string>(), TimeSpan.FromSeconds(3));
        var backend = new LocalProcessBackend(new TrainingSettings(), new LocalSandboxOptions(), Fixture.DataDirectory, NullLogger<LocalProcessBackend>.Instance);
        (await backend.CheckCustomCodeAsync(CancellationToken.None)).ShouldBeNull("bubblewrap works on this machine");

        var run = backend.RunAsync(launch, _ => Task.CompletedTask, CancellationToken.None);
        using (var seen = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            // Both sleeps run before the limit comes (the check below would otherwise pass for nothing).
            while (Sleepers(marker).Count < 2 && !run.IsCompleted && !seen.IsCancellationRequested)
            {
                await Task.Delay(50, CancellationToken.None);
            }

            Sleepers(marker).Count.ShouldBe(2, "the run's two sleeps were seen running");
        }

        var failure = await Should.ThrowAsync<TrainingFailedException>(run.WaitAsync(TimeSpan.FromSeconds(120)));

        failure.Message.ShouldBe("The run exceeded its time limit of 3 s and was stopped.");
        Sleepers(marker).ShouldBeEmpty("the whole process tree was killed, the background child too");
    }

    [Fact]
    public async Task A_submitted_run_with_TimeoutMinutes_ends_Failed_with_the_reason_after_that_many_minutes()
    {
        // The unit is whole minutes, so this test takes one; the backend test above covers the mechanism in seconds.
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync("a,b\n1,2\n");
        var marker = "2999." + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "too-long", TrainingKind.Custom, null, new CustomSpec($"sleep {marker}", TimeoutMinutes: 1), null, null), None);

        var log = await RunJobAsync(run).WaitAsync(TimeSpan.FromMinutes(4));

        var ended = (await Training.GetAsync(run.Id, None)).Run;
        ended.Status.ShouldBe(TrainingStatus.Failed, log);
        ended.Error.ShouldBe("The run exceeded its time limit of 1 minute and was stopped.");
        Sleepers(marker).ShouldBeEmpty("the run's process is gone");
    }

    private static List<string> Sleepers(string marker) =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
            .Where(p => Read($"/proc/{p}/cmdline") is { } command && command.Contains("sleep\0" + marker, StringComparison.Ordinal) && !IsZombie(p!))
            .Select(p => p!)];

    private static bool IsZombie(string pid) => Read($"/proc/{pid}/stat") is { } stat && stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
