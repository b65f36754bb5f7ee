using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using static AiPlatform.Core.Tests.Apps.AppTestKit;

namespace AiPlatform.Core.Tests.Apps;

/// <summary>Which users <c>{{sys.user}}</c>, <c>{{sys.user_id}}</c> and <c>{{sys.publisher}}</c> are.</summary>
public sealed class AppSystemUserTests
{
    [Fact]
    public async Task Sys_user_is_the_caller_and_sys_publisher_the_user_the_run_acts_as()
    {
        var graph = Graph([Start(), End(("user", "{{sys.user}}"), ("id", "{{sys.user_id}}"), ("publisher", "{{sys.publisher}}"))], Edge("start", "end"));
        var (engine, _) = Engine();
        var reader = new CallerIdentity(Guid.NewGuid(), "reader1");

        var published = await engine.RunAsync(Request(graph) with { Caller = reader }, null, CancellationToken.None);

        published.Status.ShouldBe(AppRunStatus.Succeeded, published.Error);
        published.Outputs["user"]!.GetValue<string>().ShouldBe("reader1");
        published.Outputs["id"]!.GetValue<string>().ShouldBe(reader.Id.ToString());
        published.Outputs["publisher"]!.GetValue<string>().ShouldBe(Publisher.UserName);

        var draft = await engine.RunAsync(Request(graph), null, CancellationToken.None);
        draft.Outputs["user"]!.GetValue<string>().ShouldBe(Publisher.UserName);
        draft.Outputs["id"]!.GetValue<string>().ShouldBe(Publisher.Id.ToString());
    }
}
