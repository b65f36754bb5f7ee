using System.Collections.Concurrent;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using static AiPlatform.Core.Tests.Apps.AppTestKit;

namespace AiPlatform.Core.Tests.Apps;

/// <summary>The caller's listener never runs with the rights of the user the run acts as.</summary>
public sealed class AppRunListenerTests
{
    [Fact]
    public async Task The_listener_runs_without_the_identity_the_run_acts_as()
    {
        var seenByListener = new ConcurrentBag<string>();
        var seenByNode = new ConcurrentBag<string>();
        var code = EchoCode((_, _, _) =>
        {
            seenByNode.Add(ActingCaller.Current?.UserName ?? "(none)");
            return Task.CompletedTask;
        });
        var graph = Graph([Start(), Code("c1", ("x", "1")), End(("x", "{{c1.x}}"))], Edge("start", "c1"), Edge("c1", "end"));
        var (engine, _) = Engine(null, code);

        var result = await engine.RunAsync(Request(graph), e =>
        {
            seenByListener.Add(ActingCaller.Current?.UserName ?? "(none)");
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        seenByNode.ShouldBe([Publisher.UserName]);
        seenByListener.Count.ShouldBeGreaterThanOrEqualTo(6);
        seenByListener.ShouldAllBe(name => name == "(none)");
    }
}
