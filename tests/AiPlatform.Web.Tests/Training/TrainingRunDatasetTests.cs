using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Training;

/// <summary>Issue 17, defect 5: the training run page names its input dataset and version, or says the user cannot read it.</summary>
public sealed class TrainingRunDatasetTests : PageTestBase
{
    [Fact]
    public async Task The_input_dataset_link_shows_the_dataset_name_and_version()
    {
        var (run, dataset) = await SubmitAsync();

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, run.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=training-dataset]").TextContent.Trim().ShouldBe("customers v1"));
        page.Find("[data-testid=training-dataset]").GetAttribute("href").ShouldBe($"/datasets/{dataset.Id}");
    }

    [Fact]
    public async Task A_dataset_the_user_cannot_read_shows_no_access_and_never_its_id()
    {
        var (run, dataset) = await SubmitAsync();
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("tao", null, null, "Passw0rd-tao"), [], default);
        var (experiment, _) = await Get<ExperimentService>().GetExperimentAsync(run.ExperimentId, default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, experiment.ProjectId, PrincipalType.User, reader.Id, PermissionLevel.Read, default);
        SignIn(reader.Id, "tao");

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, run.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=training-dataset]").TextContent.Trim().ShouldBe("(no access)"));
        page.Markup.ShouldNotContain(dataset.Id.ToString(), Case.Insensitive);
        page.Markup.ShouldNotContain("customers");
    }

    private async Task<(TrainingRun Run, Dataset Dataset)> SubmitAsync()
    {
        var project = await Get<ProjectService>().CreateAsync("ml", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "churn", null, default);
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("customers", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("tenure,churned\n1,yes\n40,no\n"u8.ToArray()), "c.csv", null, default)).Version;
        var run = await Get<TrainingSubmitService>().SubmitAsync(new TrainingRequest(experiment.Id, "with-input", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure"]), null, dataset.Id, version.Id), default);
        return (run, dataset);
    }
}
