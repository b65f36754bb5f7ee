using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>The editor's deploy tab on a platform without Apps:Kubernetes: it says why deploying is not there, in English and in Chinese, and who may deploy.</summary>
public sealed class AppDeploymentPanelTests : PageTestBase
{
    [Fact]
    public async Task Without_kubernetes_configured_the_tab_says_deploying_needs_it_and_offers_no_deploy_button()
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Deployable", "deploy-none", null, AppKind.Workflow), default);
        var panel = Render<AppDeploymentPanel>(p => p.Add(x => x.App, app).Add(x => x.Level, PermissionLevel.Manage));

        panel.WaitForAssertion(() => panel.Find("[data-testid=deploy-not-configured]"));
        var text = panel.Find("[data-testid=deploy-not-configured]").TextContent;
        text.ShouldContain("Kubernetes");
        text.ShouldContain("Apps:Kubernetes");
        panel.FindAll("[data-testid=deploy]").ShouldBeEmpty();
        panel.FindAll("[data-testid=deploy-min]").ShouldBeEmpty();
        panel.FindAll("[data-testid=deploy-status]").ShouldBeEmpty();
    }

    [Fact]
    public async Task In_chinese_the_not_configured_notice_reads_in_chinese()
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Deployable", "deploy-zh", null, AppKind.Workflow), default);
        using var _ = InCulture("zh-CN");
        var panel = Render<AppDeploymentPanel>(p => p.Add(x => x.App, app).Add(x => x.Level, PermissionLevel.Manage));

        panel.WaitForAssertion(() => panel.Find("[data-testid=deploy-not-configured]").TextContent.ShouldContain("无法部署到 Kubernetes"));
    }

    [Theory]
    [InlineData(PermissionLevel.Read)]
    [InlineData(PermissionLevel.Write)]
    public async Task Below_manage_the_tab_says_deploying_needs_manage_and_shows_nothing_else(PermissionLevel level)
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Deployable", $"deploy-{level.ToString().ToLowerInvariant()}", null, AppKind.Workflow), default);
        var panel = Render<AppDeploymentPanel>(p => p.Add(x => x.App, app).Add(x => x.Level, level));

        panel.Find("[data-testid=deploy-needs-manage]").TextContent.ShouldContain("Manage");
        panel.FindAll("[data-testid=deploy-not-configured]").ShouldBeEmpty();
        panel.FindAll("[data-testid=deploy]").ShouldBeEmpty();
    }
}
