using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Tracking;

/// <summary>The platform's own REST API for experiments, runs and artifacts.</summary>
public sealed class ExperimentApiTests : ApiTestBase
{
    [Fact]
    public async Task Experiments_runs_notes_artifacts_and_dataset_inputs_work_through_the_platform_api()
    {
        var project = (await (await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "vision", gitRepositoryUrl = "git@git.example.com:team/vision.git" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        project.GitRepositoryUrl.ShouldBe("git@git.example.com:team/vision.git");
        await ShouldBeProblemAsync(await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "bad-git", gitRepositoryUrl = "javascript:alert(1)" }), 400, "validation");

        var created = await Admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project.Id, name = "resnet", tags = new Dictionary<string, string> { ["team"] = "cv" } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var experiment = (await created.Content.ReadFromJsonAsync<ExperimentView>(JsonDefaults.Options))!;
        experiment.ProjectName.ShouldBe("vision");
        experiment.Permission.ShouldBe(AiPlatform.Core.Access.PermissionLevel.Manage);
        await ShouldBeProblemAsync(await Admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project.Id, name = "resnet" }), 409, "already-exists");
        await ShouldBeProblemAsync(await Admin.PostAsJsonAsync("/api/v1/experiments", new { name = "no-project" }), 400, "validation");

        var run = (await (await Admin.PostAsJsonAsync($"/api/v1/experiments/{experiment.Id}/runs", new { name = "epoch-sweep" })).Content.ReadFromJsonAsync<RunView>(JsonDefaults.Options))!;
        (await Admin.PostAsJsonAsync($"/api/v1/runs/{run.Id}/log", new
        {
            metrics = new[] { new { key = "acc", value = 0.7, step = 1 }, new { key = "acc", value = 0.8, step = 2 } },
            @params = new Dictionary<string, string> { ["epochs"] = "10" },
            tags = new Dictionary<string, string> { ["gpu"] = "a100" },
        })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var patched = await Admin.PatchAsJsonAsync($"/api/v1/runs/{run.Id}", new { note = "# Findings\nLR warm-up helps.", status = "FINISHED" });
        var view = (await patched.Content.ReadFromJsonAsync<RunView>(JsonDefaults.Options))!;
        view.Status.ShouldBe("FINISHED");
        view.EndTime.ShouldNotBeNull();
        view.Tags["mlflow.note.content"].ShouldStartWith("# Findings");
        view.Metrics.Single().Value.ShouldBe(0.8);
        (await Admin.GetFromJsonAsync<List<MetricView>>($"/api/v1/runs/{run.Id}/metrics/acc", JsonDefaults.Options))!.Select(m => m.Value).ShouldBe([0.7, 0.8]);
        await ShouldBeProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/runs/{run.Id}/log", new { @params = new Dictionary<string, string> { ["epochs"] = "20" } }), 400, "validation");

        var search = await Admin.GetFromJsonAsync<Paged<RunView>>($"/api/v1/experiments/{experiment.Id}/runs?filter={Uri.EscapeDataString("metrics.acc > 0.75")}&orderBy={Uri.EscapeDataString("metrics.acc DESC")}", JsonDefaults.Options);
        search!.TotalCount.ShouldBe(1);
        await ShouldBeProblemAsync(await Admin.GetAsync($"/api/v1/experiments/{experiment.Id}/runs?filter=metrics.acc%20%3E"), 400, "validation");
        (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/experiments/{experiment.Id}/keys", JsonDefaults.Options)).GetProperty("metrics")[0].GetString().ShouldBe("acc");

        var put = await Admin.PutAsync($"/api/v1/runs/{run.Id}/artifacts/content?path=reports/summary.txt", new StringContent("top-1 0.8"));
        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/runs/{run.Id}/artifacts", JsonDefaults.Options))!.Single().GetProperty("path").GetString().ShouldBe("reports");
        var download = await Admin.GetAsync($"/api/v1/runs/{run.Id}/artifacts/content?path=reports/summary.txt&inline=true");
        (await download.Content.ReadAsStringAsync()).ShouldBe("top-1 0.8");
        download.Headers.GetValues("X-Content-Type-Options").ShouldContain("nosniff");
        download.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        await Admin.PutAsync($"/api/v1/runs/{run.Id}/artifacts/content?path=page.html", new StringContent("<script>alert(1)</script>"));
        var html = await Admin.GetAsync($"/api/v1/runs/{run.Id}/artifacts/content?path=page.html&inline=true");
        html.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
        foreach (var artifact in new[] { download, html })
        {
            // The artifact's own sandboxing policy wins over the platform's page policy (a page policy would let an
            // uploaded HTML/SVG artifact run script from 'self').
            var csp = artifact.Headers.GetValues("Content-Security-Policy").Single();
            csp.ShouldStartWith("sandbox");
            csp.ShouldContain("default-src 'none'");
            csp.ShouldNotContain("script-src");
        }
        await ShouldBeProblemAsync(await Admin.PutAsync($"/api/v1/runs/{run.Id}/artifacts/content?path=..%2F..%2Fescape.txt", new StringContent("x")), 400, "validation");
        (await Admin.DeleteAsync($"/api/v1/runs/{run.Id}/artifacts?path=reports")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var dataset = (await (await Admin.PostAsJsonAsync("/api/v1/datasets", new { name = "images-index" })).Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;
        var version = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=idx.csv", new StringContent("id,label\n1,cat\n"))).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/runs/{run.Id}/inputs", new { datasetId = dataset.Id, versionId = version, context = "training" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var uses = await Admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/datasets/{dataset.Id}/versions/{version}/runs", JsonDefaults.Options);
        uses!.Single().GetProperty("runName").GetString().ShouldBe("epoch-sweep");
        (await Admin.GetFromJsonAsync<RunView>($"/api/v1/runs/{run.Id}", JsonDefaults.Options))!.Inputs.Single().DatasetVersionId.ShouldBe(version);

        // mlflow.log_input(MetaDataset(HTTPDatasetSource(url=...)), context="eval") as the Python client sends it.
        var source = JsonSerializer.Serialize(new { url = $"http://localhost:5080/api/v1/datasets/{dataset.Id}/versions/{version}/rows" });
        var logInputs = await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/log-inputs", new
        {
            run_id = run.MlflowId,
            datasets = new[] { new { tags = new[] { new { key = "mlflow.data.context", value = "eval" } }, dataset = new { name = "holdout", digest = "a1b2c3d4", source_type = "http", source } } },
        });
        logInputs.StatusCode.ShouldBe(HttpStatusCode.OK, await logInputs.Content.ReadAsStringAsync());
        var inputs = (await Admin.GetFromJsonAsync<RunView>($"/api/v1/runs/{run.Id}", JsonDefaults.Options))!.Inputs;
        inputs.Single(i => i.Context == "eval").DatasetVersionId.ShouldBe(version);

        (await Admin.DeleteAsync($"/api/v1/experiments/{experiment.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.GetFromJsonAsync<Paged<ExperimentView>>("/api/v1/experiments", JsonDefaults.Options))!.Items.ShouldNotContain(e => e.Id == experiment.Id);
        (await Admin.GetFromJsonAsync<Paged<ExperimentView>>("/api/v1/experiments?view=deleted", JsonDefaults.Options))!.Items.Single().Id.ShouldBe(experiment.Id);
        (await Admin.PostAsync($"/api/v1/experiments/{experiment.Id}/restore", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldBeProblemAsync(await Admin.DeleteAsync($"/api/v1/projects/{project.Id}"), 409, "conflict");
        await ShouldBeProblemAsync(await Admin.DeleteAsync($"/api/v1/experiments/{experiment.Id}?permanent=true"), 400, "validation");
        (await Admin.DeleteAsync($"/api/v1/experiments/{experiment.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.DeleteAsync($"/api/v1/experiments/{experiment.Id}?permanent=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.GetAsync($"/api/v1/runs/{run.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.DeleteAsync($"/api/v1/projects/{project.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldBeProblemAsync(await Admin.GetAsync($"/api/v1/runs/{Guid.NewGuid()}"), 404, "not-found");
    }

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, int status, string type)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, body);
        JsonDocument.Parse(body).RootElement.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:" + type, body);
    }
}
