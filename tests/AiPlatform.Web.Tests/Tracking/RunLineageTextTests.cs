using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Tracking;

/// <summary>Issue 17, defect 5: a run's lineage separates the label, the dataset name and version, and the short digest.</summary>
public sealed class RunLineageTextTests : PageTestBase
{
    [Fact]
    public async Task An_input_dataset_reads_label_then_name_and_version_then_digest()
    {
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("ui-churn", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("a\n1\n"u8.ToArray()), "f.csv", null, default)).Version;
        var project = await Get<ProjectService>().CreateAsync("lineage-text", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "churn", null, default);
        var runs = Get<RunService>();
        var run = await runs.CreateRunAsync(experiment.Id, "reader", null, null, default);
        await Get<RunInputService>().LinkDatasetVersionAsync(run.Run.Id, dataset.Id, version.Id, null, default);
        var details = await runs.GetRunAsync(run.Run.Id, default);

        var lineage = Render<RunLineage>(p => p.Add(x => x.Run, details));

        var text = System.Text.RegularExpressions.Regex.Replace(lineage.Find("[data-testid=run-lineage]").TextContent, @"\s+", " ");
        text.ShouldContain($"Input dataset · ui-churn v1 · {version.ContentHash[..8]}");
        text.ShouldNotContain("@v1");
    }
}
