using AiPlatform.Web.Components.Layout;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;

namespace AiPlatform.Web.Tests.Shell;

/// <summary>The navigation is grouped by platform, the current page's group is open, and groups keep their state while navigating.</summary>
public sealed class NavMenuTests : PageTestBase
{
    private static readonly string[] LinkIds =
    [
        "nav-dashboard", "nav-datasets", "nav-sources", "nav-sql", "nav-projects", "nav-experiments", "nav-training", "nav-studies",
        "nav-models", "nav-endpoints", "nav-chat", "nav-knowledge", "nav-usage", "nav-jobs", "nav-users", "nav-roles", "nav-groups",
        "nav-audit", "nav-signin-settings", "nav-llm",
    ];

    public NavMenuTests() => Authorization.SetPolicies("cap:chat.use", "cap:users.manage");

    [Fact]
    public void Links_are_grouped_by_the_platforms_in_chinese_and_keep_their_test_ids()
    {
        using var _ = InCulture("zh-CN");

        var nav = Render<NavMenu>();

        Title(nav, "nav-group-data").ShouldBe("数据中台");
        Title(nav, "nav-group-algorithms").ShouldBe("算法中台");
        Title(nav, "nav-group-models").ShouldBe("模型中台");
        Title(nav, "nav-group-llm").ShouldBe("大模型");
        Title(nav, "nav-admin").ShouldBe("系统管理");
        foreach (var id in LinkIds)
        {
            nav.FindAll($"[data-testid={id}]").Count.ShouldBe(1, id);
        }

        nav.Find("[data-testid=nav-group-data]").QuerySelector("[data-testid=nav-sql]").ShouldNotBeNull();
        nav.Find("[data-testid=nav-group-algorithms]").QuerySelector("[data-testid=nav-studies]").ShouldNotBeNull();
        nav.Find("[data-testid=nav-group-models]").QuerySelector("[data-testid=nav-endpoints]").ShouldNotBeNull();
        nav.Find("[data-testid=nav-group-llm]").QuerySelector("[data-testid=nav-usage]").ShouldNotBeNull();
        nav.Find("[data-testid=nav-admin]").QuerySelector("[data-testid=nav-llm]").ShouldNotBeNull();
    }

    [Fact]
    public void The_llm_group_needs_the_chat_capability()
    {
        Authorization.SetPolicies("cap:users.manage");

        var nav = Render<NavMenu>();

        nav.FindAll("[data-testid=nav-group-llm]").ShouldBeEmpty();
        nav.FindAll("[data-testid=nav-chat]").ShouldBeEmpty();
    }

    [Fact]
    public void The_group_of_the_current_page_is_open_and_the_others_keep_their_state_while_navigating()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/datasets/" + Guid.NewGuid());

        var nav = Render<NavMenu>();

        Expanded(nav).ShouldBe(["nav-group-data"]);

        nav.Find("[data-testid=nav-group-models] button").Click();
        Expanded(nav).ShouldBe(["nav-group-data", "nav-group-models"]);

        navigation.NavigateTo("/projects");
        nav.WaitForAssertion(() => Expanded(nav).ShouldBe(["nav-group-algorithms", "nav-group-data", "nav-group-models"]));

        nav.Find("[data-testid=nav-group-data] button").Click();
        navigation.NavigateTo("/admin/users");
        nav.WaitForAssertion(() => Expanded(nav).ShouldBe(["nav-admin", "nav-group-algorithms", "nav-group-models"]));
    }

    [Theory]
    [InlineData("", NavSection.None)]
    [InlineData("jobs/123", NavSection.None)]
    [InlineData("sql?q=1", NavSection.Data)]
    [InlineData("runs/abc", NavSection.Algorithms)]
    [InlineData("endpoints/new", NavSection.Models)]
    [InlineData("knowledge", NavSection.Llm)]
    [InlineData("admin/llm", NavSection.Admin)]
    public void Each_page_belongs_to_its_platform(string path, NavSection section) => NavSections.Of(path).ShouldBe(section);

    private static string Title(IRenderedComponent<NavMenu> nav, string groupId) =>
        nav.FindComponents<MudNavGroup>().Single(g => (string?)g.Instance.UserAttributes.GetValueOrDefault("data-testid") == groupId).Instance.Title!;

    private static List<string> Expanded(IRenderedComponent<NavMenu> nav) =>
        nav.FindComponents<MudNavGroup>().Where(g => g.Instance.GetState(x => x.Expanded)).Select(g => (string)g.Instance.UserAttributes["data-testid"]!).Order(StringComparer.Ordinal).ToList();
}
