using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using MudBlazor;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>
/// The deploy tab on a platform whose Apps:Kubernetes points at an API server that does not answer (a closed loopback
/// port): the scaling form, deploying refused until the app is published, and a failed deploy shown with the cluster's reason.
/// </summary>
public sealed class AppDeploymentPanelClusterTests : PageTestBase
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Apps:Kubernetes:Enabled", "true"),
        new("Apps:Kubernetes:Host", "http://127.0.0.1:9"),
        new("Apps:Kubernetes:Replicas", "2"),
        new("Apps:Kubernetes:TargetCpuPercent", "60"),
    ];

    [Fact]
    public async Task An_unpublished_app_cannot_be_deployed_and_the_form_shows_the_operators_default_scaling()
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Deployable", "deploy-draft", null, AppKind.Workflow), default);
        var panel = Render<AppDeploymentPanel>(p => p.Add(x => x.App, app).Add(x => x.Level, PermissionLevel.Manage));

        panel.WaitForAssertion(() => panel.Find("[data-testid=deploy-not-published]"));
        panel.FindAll("[data-testid=deploy-not-configured]").ShouldBeEmpty();
        panel.Find("[data-testid=deploy]").HasAttribute("disabled").ShouldBeTrue();
        panel.Find("[data-testid=deploy]").TextContent.ShouldBe("Deploy");
        // Apps:Kubernetes's Replicas and TargetCpuPercent, not the form's own 1 and 70.
        panel.Find("input[data-testid=deploy-min]").GetAttribute("value").ShouldBe("2");
        panel.Find("input[data-testid=deploy-max]").GetAttribute("value").ShouldBe("3");
        panel.Find("input[data-testid=deploy-cpu]").GetAttribute("value").ShouldBe("60");
        panel.FindAll("[data-testid=deploy-status]").ShouldBeEmpty();
        panel.FindAll("[data-testid=undeploy]").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_deploy_the_cluster_does_not_take_is_shown_failed_with_the_reason_and_can_be_removed()
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Deployable", "deploy-fail", null, AppKind.Workflow), default);
        var draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, AppGraphs.Greeter(), draft.Revision, default);
        await Get<AppVersionService>().PublishAsync(app.Id, "v1", default);
        app = (await apps.GetAsync(app.Id, default)).App;
        var snackbars = Render<MudSnackbarProvider>();
        var panel = Render<AppDeploymentPanel>(p => p.Add(x => x.App, app).Add(x => x.Level, PermissionLevel.Manage));
        panel.WaitForAssertion(() => panel.Find("[data-testid=deploy]").HasAttribute("disabled").ShouldBeFalse());
        panel.FindAll("[data-testid=deploy-not-published]").ShouldBeEmpty();

        await panel.InvokeAsync(() => panel.Find("input[data-testid=deploy-max]").Change("2"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=deploy]").Click());

        panel.WaitForAssertion(() => panel.Find("[data-testid=deploy-state]").GetAttribute("data-status").ShouldBe("Failed"), TimeSpan.FromSeconds(90));
        panel.Find("[data-testid=deploy-state]").TextContent.ShouldBe("Failed");
        panel.Find("[data-testid=deploy-message]").TextContent.ShouldNotBeNullOrWhiteSpace();
        panel.Find("[data-testid=deploy-ready]").TextContent.ShouldBe("0 ready (scales 2–2)", "the minimum is the operator's default, the maximum what was typed");
        panel.Find("[data-testid=deploy-status]").TextContent.ShouldContain("app-deploy-fail");
        panel.Find("[data-testid=deploy]").TextContent.ShouldBe("Update deployment");
        snackbars.WaitForAssertion(() => snackbars.Markup.ShouldContain("The deployment failed"));
        var stored = (await Get<AppDeploymentService>().GetAsync(app.Id, default)).Deployment.ShouldNotBeNull();
        stored.Status.ShouldBe(AppDeploymentStatus.Failed);
        stored.MaxReplicas.ShouldBe(2);

        // Removing needs the cluster too: refused with the reason, the deployment stays listed as failed.
        await panel.InvokeAsync(() => panel.Find("[data-testid=undeploy]").Click());
        snackbars.WaitForAssertion(() => snackbars.Markup.ShouldContain("The deployment could not be removed"), TimeSpan.FromSeconds(90));
        panel.WaitForAssertion(() => panel.Find("[data-testid=undeploy]").HasAttribute("disabled").ShouldBeFalse());
        panel.Find("[data-testid=deploy-state]").GetAttribute("data-status").ShouldBe("Failed");

        // The cluster cannot be reached: forget the deployment so the app can be deleted.
        panel.Find("[data-testid=deploy-forget-hint]").TextContent.ShouldContain("forget the deployment anyway");
        await panel.InvokeAsync(() => panel.Find("[data-testid=deploy-forget]").Click());
        snackbars.WaitForAssertion(() => snackbars.Markup.ShouldContain("The deployment was forgotten"), TimeSpan.FromSeconds(90));
        panel.WaitForAssertion(() => panel.FindAll("[data-testid=deploy-status]").ShouldBeEmpty());
        panel.FindAll("[data-testid=deploy-forget-hint]").ShouldBeEmpty();
        (await Get<AppDeploymentService>().GetAsync(app.Id, default)).Deployment.ShouldBeNull();
        await apps.DeleteAsync(app.Id, default);
    }
}
