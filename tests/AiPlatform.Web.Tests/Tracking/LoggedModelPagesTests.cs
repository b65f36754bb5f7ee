using AiPlatform.Core.Projects;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Tracking;

/// <summary>MLflow 3's logged models on the run page, and the link from a registry version back to its logged model.</summary>
public sealed class LoggedModelPagesTests : PageTestBase
{
    [Fact]
    public async Task Run_page_lists_its_logged_models_with_status_metrics_and_linked_registry_versions()
    {
        var (run, logged, registered) = await SeedAsync();

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, run.Run.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=logged-model-name]").TextContent.ShouldBe("model"));
        page.FindAll("[data-testid=logged-model-row]").Count.ShouldBe(1);
        page.Find("[data-testid=logged-model-id]").TextContent.ShouldContain(logged.Model.MlflowId);
        page.Find("[data-testid=logged-model-status]").TextContent.ShouldBe("Ready");
        var metrics = page.Find("[data-testid=logged-model-metrics]").TextContent;
        metrics.ShouldContain("accuracy");
        metrics.ShouldContain("0.93");
        metrics.ShouldContain("(eval)");
        metrics.ShouldContain("(step ", customMessage: "a logged model's metric says at which step it was logged");
        metrics.ShouldNotContain("0.5", customMessage: "only the latest value of a metric is shown");
        var link = page.Find("[data-testid=logged-model-version-link]");
        link.GetAttribute("href").ShouldBe($"/models/{registered.Id}/versions/1");
        link.TextContent.ShouldBe("churn-model v1");
    }

    [Fact]
    public async Task Run_page_says_when_a_run_has_no_logged_models_in_the_users_language()
    {
        var project = await Get<ProjectService>().CreateAsync("empty-project", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "empty", null, default);
        var run = await Get<RunService>().CreateRunAsync(experiment.Id, "no-models", null, null, default);

        using (InCulture("zh-CN"))
        {
            var page = Render<RunDetailPage>(p => p.Add(x => x.Id, run.Run.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=logged-models-empty]").TextContent.ShouldContain("此运行尚未记录模型"));
            page.Markup.ShouldContain("已记录的模型 (0)");
        }
    }

    [Fact]
    public async Task Version_page_links_to_the_logged_model_it_was_registered_from()
    {
        var (run, logged, registered) = await SeedAsync();

        var page = Render<ModelVersionPage>(p => p.Add(x => x.Id, registered.Id).Add(x => x.Version, 1));

        page.WaitForAssertion(() => page.Find("[data-testid=logged-model-link]").GetAttribute("href").ShouldBe($"/runs/{run.Run.Id}#logged-models"));
        page.Find("[data-testid=logged-model-link]").TextContent.ShouldBe("model");
        page.Find("[data-testid=lineage-logged-model]").TextContent.ShouldContain(logged.Model.MlflowId);
        page.Find("[data-testid=model-files]").TextContent.ShouldContain("MLmodel");
    }

    private async Task<(RunDetails Run, LoggedModelDetails Logged, RegisteredModel Registered)> SeedAsync()
    {
        var project = await Get<ProjectService>().CreateAsync("logged-project", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "churn", null, default);
        var run = await Get<RunService>().CreateRunAsync(experiment.Id, "train", null, null, default);
        var models = Get<LoggedModelService>();
        var logged = await models.CreateAsync(experiment.MlflowId, "model", null, run.Run.MlflowId, [new("C", "1.0")], null, default);
        await models.UploadAsync(logged.Model.Id, "MLmodel", new MemoryStream("flavors:\n  sklearn: {}\n"u8.ToArray()), null, null, default);
        await models.FinalizeAsync(logged.Model.Id, LoggedModelStatus.Ready, default);
        await models.LogMetricsAsync(run.Run.Id, [(logged.Model.MlflowId, new MetricInput("accuracy", 0.5, 1, 0), "eval", null), (logged.Model.MlflowId, new MetricInput("accuracy", 0.93, 2, 1), "eval", null)], default);
        var registered = await Get<RegistryService>().CreateModelAsync("churn-model", null, null, default);
        await Get<ModelRegistrar>().CreateVersionAsync(registered.Id, $"models:/{logged.Model.MlflowId}", null, logged.Model.MlflowId, null, null, default);
        await models.SetTagsAsync(logged.Model.Id, [new(LoggedModelService.ModelVersionsTag, """[{"name": "churn-model", "version": "1"}]""")], default);
        return (run, logged, registered);
    }
}
