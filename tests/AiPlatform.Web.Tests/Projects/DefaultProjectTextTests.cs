using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Projects;

/// <summary>The built-in Default project's description is the platform's own text, in the reader's language, and is not stored.</summary>
public sealed class DefaultProjectTextTests : PageTestBase
{
    [Fact]
    public async Task The_default_project_made_for_mlflow_clients_stores_no_english_and_reads_in_chinese()
    {
        await Get<ExperimentService>().CreateExperimentAsync(null, "from-mlflow", null, default);
        var project = (await Get<ProjectService>().ListAsync(ExperimentService.DefaultProjectName, new(0, 10), default)).Items.Single();
        project.Description.ShouldBeNull();
        using var _ = InCulture("zh-CN");

        var page = Render<ProjectsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=projects-grid]").TextContent.ShouldContain("由 MLflow 客户端在未指定项目时创建的实验。"));
        page.Find("[data-testid=projects-grid]").TextContent.ShouldContain("每页行数");
        page.Find("[data-testid=projects-grid]").TextContent.ShouldContain("第 1-1 条，共 1 条");
    }

    [Fact]
    public async Task A_default_project_saved_with_the_old_english_sentence_reads_in_chinese_too()
    {
        await Get<ProjectService>().CreateAsync(ExperimentService.DefaultProjectName, "Experiments created by MLflow clients without a project.", default);
        using var _ = InCulture("zh-CN");

        var page = Render<ProjectsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=projects-grid]").TextContent.ShouldContain("由 MLflow 客户端在未指定项目时创建的实验。"));
        page.Find("[data-testid=projects-grid]").TextContent.ShouldNotContain("Experiments created by");
    }

    [Fact]
    public void An_empty_project_list_says_what_to_do_next()
    {
        var page = Render<ProjectsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=projects-empty]").TextContent.ShouldContain("New project"));
    }
}
