using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Training;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Training;

/// <summary>
/// Running custom code needs <c>training.custom-code</c> on top of <c>jobs.start</c>, over every route that starts it
/// (submit, code upload, retry, study); built-in trainers do not. And no sandbox means no custom code unless allowed.
/// </summary>
public sealed class CustomCodeAccessTests : ApiTestBase
{
    [Fact]
    public async Task A_user_with_jobs_start_but_without_custom_code_gets_403_on_every_custom_route_and_can_still_train_built_in()
    {
        var (project, experiment, dataset, version) = await SetupAsync(Admin);
        var role = await Admin.PostAsJsonAsync("/api/v1/roles", new { name = "trainer", capabilities = new[] { Capabilities.JobsStart } }, JsonDefaults.Options);
        role.StatusCode.ShouldBe(HttpStatusCode.Created, await role.Content.ReadAsStringAsync());
        var roleId = JsonDocument.Parse(await role.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var user = await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "carol", password = "Passw0rd-carol", mustChangePassword = false, roleIds = new[] { roleId } });
        user.StatusCode.ShouldBe(HttpStatusCode.Created, await user.Content.ReadAsStringAsync());
        var carolId = JsonDocument.Parse(await user.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "User", principalId = carolId, level = "Write" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await Admin.PostAsJsonAsync($"/api/v1/datasets/{dataset}/grants", new { principalType = "User", principalId = carolId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var carol = Factory.CreateClientAs("carol", "Passw0rd-carol");
        var adminCustom = await Admin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, kind = "Custom", custom = new { command = "true" } }, JsonDefaults.Options);
        adminCustom.StatusCode.ShouldBe(HttpStatusCode.Created, await adminCustom.Content.ReadAsStringAsync());
        var adminRun = (await adminCustom.Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!;

        await ShouldBeForbiddenAsync(carol.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, kind = "Custom", custom = new { command = "id; ls ../.." } }, JsonDefaults.Options));
        await ShouldBeForbiddenAsync(carol.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, kind = "Custom", custom = new { command = "python3 train.py", gitUrl = "https://example.com/repo.git" } }, JsonDefaults.Options));
        await ShouldBeForbiddenAsync(carol.PostAsync("/api/v1/training-runs/code", new ByteArrayContent("PK\u0003\u0004"u8.ToArray())));
        await ShouldBeForbiddenAsync(carol.PostAsync($"/api/v1/training-runs/{adminRun.Id}/retry", null));
        await ShouldBeForbiddenAsync(carol.PostAsJsonAsync("/api/v1/studies", new
        {
            baseTrainingRunId = adminRun.Id,
            searchSpace = new[] { new { name = "LR", type = "Float", low = 0.01, high = 0.5 } },
            objectiveMetric = "loss",
            direction = "Minimize",
            maxTrials = 2,
        }, JsonDefaults.Options));
        (await Admin.GetFromJsonAsync<Paged<TrainingRun>>($"/api/v1/training-runs?experimentId={experiment}", JsonDefaults.Options))!.Items.Count.ShouldBe(1, "nothing of carol's was queued");

        var builtIn = await carol.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment,
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastTree", label = "y", features = new[] { "x" }, hyperparameters = new Dictionary<string, double> { ["minimumExampleCountPerLeaf"] = 1 }, testFraction = 0.34 },
            datasetId = dataset,
            datasetVersionId = version,
        }, JsonDefaults.Options);
        builtIn.StatusCode.ShouldBe(HttpStatusCode.Created, await builtIn.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_built_in_roles_give_custom_code_to_admins_and_model_developers_only()
    {
        SystemRoles.Templates[SystemRoles.Admin].ShouldContain(Capabilities.TrainingCustomCode);
        SystemRoles.Templates[SystemRoles.ModelDeveloper].ShouldContain(Capabilities.TrainingCustomCode);
        foreach (var role in (string[])[SystemRoles.DataAnalyst, SystemRoles.DataEngineer, SystemRoles.Viewer, SystemRoles.AppBuilder])
        {
            SystemRoles.Templates[role].ShouldNotContain(Capabilities.TrainingCustomCode);
        }

        var analyst = await CreateUserAsync("dana", SystemRoles.DataAnalyst);
        var me = JsonDocument.Parse(await analyst.GetStringAsync("/api/v1/me")).RootElement.ToString();
        me.ShouldNotContain(Capabilities.TrainingCustomCode);
        var developer = await CreateUserAsync("dev", SystemRoles.ModelDeveloper);
        JsonDocument.Parse(await developer.GetStringAsync("/api/v1/me")).RootElement.ToString().ShouldContain(Capabilities.TrainingCustomCode);
    }

    [Fact]
    public async Task Without_bubblewrap_custom_runs_are_refused_with_a_problem_unless_unsandboxed_runs_are_allowed()
    {
        await using var refusing = new SandboxFactory(allowUnsandboxed: false);
        var admin = refusing.CreateAdminClient();
        var (_, experiment, _, _) = await SetupAsync(admin);

        var refused = await admin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, kind = "Custom", custom = new { command = "id" } }, JsonDefaults.Options);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:sandbox-unavailable");
        problem.GetProperty("detail").GetString()!.ShouldContain("bubblewrap");
        problem.GetProperty("detail").GetString()!.ShouldNotContain(refusing.DataDirectory);
        refusing.DeleteData();

        await using var allowing = new SandboxFactory(allowUnsandboxed: true);
        var unsafeAdmin = allowing.CreateAdminClient();
        var (_, unsafeExperiment, _, _) = await SetupAsync(unsafeAdmin);
        var accepted = await unsafeAdmin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = unsafeExperiment, kind = "Custom", custom = new { command = "true" } }, JsonDefaults.Options);
        accepted.StatusCode.ShouldBe(HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
        allowing.DeleteData();
    }

    private static async Task ShouldBeForbiddenAsync(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, body);
        var problem = JsonDocument.Parse(body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:forbidden");
        problem.GetProperty("detail").GetString()!.ShouldContain(Capabilities.TrainingCustomCode);
    }

    private static async Task<(Guid Project, Guid Experiment, Guid Dataset, Guid Version)> SetupAsync(HttpClient admin)
    {
        var project = (await (await admin.PostAsJsonAsync("/api/v1/projects", new { name = "train-" + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var experiment = (await (await admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project.Id, name = "exp-" + project.Name })).Content.ReadFromJsonAsync<ExperimentView>(JsonDefaults.Options))!;
        var dataset = (await (await admin.PostAsJsonAsync("/api/v1/datasets", new { name = "d-" + project.Name })).Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;
        var versionResponse = await admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=d.csv", new StringContent("x,color,y\n1,red,2.1\n2,blue,3.9\n3,red,6.2\n"));
        var version = JsonDocument.Parse(await versionResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return (project.Id, experiment.Id, dataset.Id, version);
    }

    private sealed class SandboxFactory(bool allowUnsandboxed) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Training:TrackingUri", "http://127.0.0.1:1");
            builder.UseSetting("Training:Local:BubblewrapPath", "/nonexistent/bwrap");
            builder.UseSetting("Training:Local:AllowUnsandboxed", allowUnsandboxed ? "true" : "false");
        }
    }
}
