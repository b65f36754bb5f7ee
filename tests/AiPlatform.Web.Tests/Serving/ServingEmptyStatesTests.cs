using AiPlatform.Core.Common;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Features.Serving;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>Serving pages in Chinese: empty lists and a monitor without traffic say what to do next; refusals are translated.</summary>
public sealed class ServingEmptyStatesTests : PageTestBase
{
    [Fact]
    public void No_endpoints_offers_deploying_and_the_registry_in_chinese()
    {
        using var _ = InCulture("zh-CN");
        var list = Render<EndpointsPage>();

        list.WaitForAssertion(() => list.Find("[data-testid=endpoints-empty]"));
        list.Find("[data-testid=endpoints-empty]").TextContent.ShouldContain("还没有推理服务");
        list.Find("[data-testid=endpoints-empty-deploy]").GetAttribute("href").ShouldBe("/endpoints/new");
    }

    [Fact]
    public void Monitoring_without_traffic_sends_the_user_to_try_it_and_an_empty_history_says_what_it_will_hold()
    {
        using var _ = InCulture("zh-CN");
        var opened = false;
        var monitoring = Render<EndpointMonitoringPanel>(p => p
            .Add(x => x.Window, "1h")
            .Add(x => x.Summary, [])
            .Add(x => x.Series, [])
            .Add(x => x.PrimaryVersion, 1)
            .Add(x => x.TryIt, () => opened = true));

        monitoring.Find("[data-testid=monitoring-empty]").TextContent.ShouldContain("此时间段内没有请求");
        monitoring.FindAll("[data-testid=serving-chart]").ShouldBeEmpty();
        monitoring.Find("[data-testid=monitoring-try-it]").Click();
        opened.ShouldBeTrue();

        var history = Render<EndpointHistoryPanel>(p => p.Add(x => x.Events, []));
        history.Find("[data-testid=endpoint-history-empty]").TextContent.ShouldContain("还没有部署事件");
    }

    [Fact]
    public async Task Deployment_refusals_are_translated_by_their_message_key()
    {
        var L = Get<IStringLocalizer<SharedResource>>();
        var refusal = await Should.ThrowAsync<ValidationException>(() => Get<DeploymentService>().DeployAsync(new DeploySpec("Not A Name", Guid.NewGuid(), "1"), default));
        using var _ = InCulture("zh-CN");

        L.Describe(refusal).ShouldContain("推理服务名称由 1 到 63 个小写字母");
    }
}
