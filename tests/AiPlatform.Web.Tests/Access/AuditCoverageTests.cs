using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Training;
using AiPlatform.E2E.Tests;
using AiPlatform.Web.Tests.Builders;
using AiPlatform.Web.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Walks every mutating operation (POST, PUT, PATCH, DELETE) of the OpenAPI document: each one is either called with a
/// valid request and must leave at least one audit entry by its caller, or is listed below with the reason it is not
/// walked. A new mutating route that is in none of the tables fails the test, so nothing is skipped silently.
/// At least one (not exactly one): some calls rightly record two changes, e.g. creating a user with roles.
/// </summary>
public sealed class AuditCoverageTests : ApiTestBase
{
    /// <summary>Operations that change no state (queries, inference, connection tests): they need no audit entry.</summary>
    private static readonly Dictionary<string, string> NotStateChanges = new()
    {
        ["POST /api/v1/sql"] = "a read-only query",
        ["POST /api/v1/sql/export.csv"] = "a read-only query",
        ["POST /api/v1/data-sources/{id}/test"] = "tries a connection, changes nothing",
        ["POST /api/2.0/mlflow/experiments/search"] = "MLflow search, read-only",
        ["POST /api/2.0/mlflow/runs/search"] = "MLflow search, read-only",
        ["POST /api/2.0/mlflow/logged-models/search"] = "MLflow search, read-only",
        ["POST /api/3.0/mlflow/traces/search"] = "MLflow search, read-only",
        ["POST /api/2.0/mlflow/registered-models/get-latest-versions"] = "MLflow read",
        ["POST /api/v1/knowledge-bases/{id}/search"] = "a read-only search",
        ["POST /api/v1/endpoints/{name}/predict"] = "inference, not a state change (payload logging is its own trail)",
        ["POST /v2/models/{name}/infer"] = "inference, not a state change",
        ["POST /v2/models/{name}/versions/{version}/infer"] = "inference, not a state change",
        ["POST /v1/chat/completions"] = "inference; usage is metered in the usage records, not the audit trail",
        ["POST /v1/embeddings"] = "inference; usage is metered in the usage records, not the audit trail",
    };

    /// <summary>High-volume logging from training scripts: the run's own history is the record; auditing each call would drown the trail.</summary>
    private static readonly Dictionary<string, string> HighVolume = new()
    {
        ["POST /api/2.0/mlflow/runs/log-metric"] = "one call per metric point",
        ["POST /api/2.0/mlflow/runs/log-batch"] = "batches of metric points",
        ["POST /api/v1/runs/{id}/log"] = "the REST twin of log-batch",
        ["POST /api/2.0/mlflow/runs/log-parameter"] = "a one-item log-batch from a training script",
        ["POST /api/2.0/mlflow/runs/set-tag"] = "a one-item log-batch from a training script (run notes set in the UI or REST are audited)",
        ["PUT /api/2.0/mlflow-artifacts/artifacts/{path}"] = "one call per file a training script logs (mlflow.log_artifacts); the run's artifact list is the record, deletions are audited",
        ["PUT /api/v1/runs/{id}/artifacts/content"] = "the REST twin of the MLflow artifact upload; deletions are audited",
        ["POST /api/2.0/mlflow/logged-models/{model_id}/params"] = "a logged model's params, written once by log_model like log-parameter; the model's creation is audited",
        ["PATCH /api/2.0/mlflow/logged-models/{model_id}/tags"] = "tags log_model and register_model write on the model (mlflow.modelVersions), like run set-tag",
        ["DELETE /api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}"] = "a logged model's tag from a script, like its set; the model's creation, finalizing and deletion are audited",
        ["POST /api/2.0/mlflow/runs/outputs"] = "log_model links its model to the run, one call per logged model; the model's creation is audited",
        ["POST /api/3.0/mlflow/traces"] = "one trace per traced call of user code (@mlflow.trace), like metric points; deletions are audited",
        ["POST /api/2.0/mlflow/traces"] = "the 2.x client's start of a trace, one per traced call; deletions are audited",
        ["PATCH /api/2.0/mlflow/traces/{traceId}"] = "the 2.x client's end of a trace, one per traced call",
        ["PATCH /api/3.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like run set-tag",
        ["DELETE /api/3.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like its set",
        ["PATCH /api/2.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like run set-tag",
        ["DELETE /api/2.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like its set",
        ["PUT /api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts/{path}"] = "the span data of one trace, uploaded once by the client's exporter",
    };

    /// <summary>
    /// A user's own chat history: conversations are visible to their owner alone (administrators cannot read them) and
    /// change nothing anyone else relies on. Recording each message, edit or thumbs-up would copy the shape of private
    /// conversations into the trail that administrators read and bury the security-relevant entries; the token use they
    /// cause is metered in the usage records and limited by quotas, and the settings that govern chat (providers, models,
    /// grants, quotas, prompt templates) are audited.
    /// </summary>
    private static readonly Dictionary<string, string> PersonalData = new()
    {
        ["POST /api/v1/conversations"] = "a user's own chat history, visible to the owner alone",
        ["PATCH /api/v1/conversations/{id}"] = "a user's own chat history (title, model, system prompt)",
        ["DELETE /api/v1/conversations/{id}"] = "a user's own chat history",
        ["POST /api/v1/conversations/{id}/messages"] = "a chat message; usage is metered, content stays private",
        ["POST /api/v1/conversations/{id}/regenerate"] = "a chat message; usage is metered, content stays private",
        ["PUT /api/v1/conversations/{id}/messages/{messageId}"] = "edit-and-resend of a chat message",
        ["POST /api/v1/conversations/{id}/messages/{messageId}/feedback"] = "a thumbs-up or down on one's own answer",
        ["PUT /api/v1/me/preferences"] = "a user's own display preferences (language, dark mode, dismissed checklist); grant nothing",
    };

    /// <summary>
    /// App runs (i18/api): each run is recorded as an app run (caller, inputs, outputs, trace, tokens) that the app's
    /// run list shows, like inference and chat; auditing every run would drown the trail. Validation changes nothing.
    /// </summary>
    private static readonly Dictionary<string, string> AppRuns = new()
    {
        ["POST /api/v1/apps/{id}/validate"] = "checks the draft, changes nothing",
        ["POST /api/v1/apps/{id}/draft/run"] = "a run, recorded as an app run with its caller, inputs and trace",
        ["POST /api/v1/apps/{id}/draft/nodes/{nodeId}/run"] = "a single-node test run, recorded as an app run",
        ["POST /api/v1/apps/{slug}/run"] = "a run of the published version, recorded as an app run (like inference)",
    };

    /// <summary>
    /// App deployments (i18/k8s) need Apps:Kubernetes enabled and an API server, which the walker's platform has not:
    /// there they are refused before any change. Audited as app.deploy / app.undeploy, checked in AppDeploymentApiTests.
    /// </summary>
    private static readonly Dictionary<string, string> ClusterOnly = new()
    {
        ["PUT /api/v1/apps/{id}/deployment"] = "needs Apps:Kubernetes; audited as app.deploy (AppDeploymentApiTests)",
        ["DELETE /api/v1/apps/{id}/deployment"] = "needs Apps:Kubernetes; audited as app.undeploy (AppDeploymentApiTests)",
    };

    /// <summary>Set on a request that acts on its caller's own account: the audit entries are counted for that caller, not the walker.</summary>
    private static readonly HttpRequestOptionsKey<Guid> Actor = new("audit-actor");

    private readonly FakeModelList _llm = new("walk-chat", "walk-embed");

    private HttpClient _walker = default!;
    private Guid _walkerId;
    private Guid _project;

    public override async Task DisposeAsync()
    {
        _llm.Dispose();
        await base.DisposeAsync();
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _walker = await CreateUserAsync("walker", SystemRoles.Admin);
        _walkerId = await UserIdAsync("walker");
        _project = await NewAsync("/api/v1/projects", new { name = "walked" });
    }

    [Fact]
    public async Task Every_successful_state_change_in_the_openapi_document_writes_an_audit_entry()
    {
        var walks = Walks();
        var operations = await MutatingOperationsAsync();
        var excluded = NotStateChanges.Keys.Concat(HighVolume.Keys).Concat(PersonalData.Keys).Concat(AppRuns.Keys).Concat(ClusterOnly.Keys).ToList();
        operations.Where(o => !walks.ContainsKey(o) && !excluded.Contains(o)).ShouldBeEmpty("each mutating route needs a walk or a stated reason");
        walks.Keys.Concat(excluded).Where(o => !operations.Contains(o)).ShouldBeEmpty("the tables name routes that no longer exist");
        walks.Keys.Intersect(excluded).ShouldBeEmpty();

        var failures = new List<string>();
        foreach (var (operation, prepare) in walks)
        {
            HttpRequestMessage request;
            try
            {
                request = await prepare();
            }
            catch (Exception e) when (e is ShouldAssertException or HttpRequestException or KeyNotFoundException or InvalidOperationException or JsonException)
            {
                failures.Add($"{operation}: seeding failed: {e.Message}");
                continue;
            }

            var actor = request.Options.TryGetValue(Actor, out var own) ? own : _walkerId;
            var before = await AuditCountAsync(actor);
            var response = await _walker.SendAsync(request);
            request.Dispose();
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || body.Contains("\"error_code\"", StringComparison.Ordinal))
            {
                failures.Add($"{operation}: the walk's request failed with {(int)response.StatusCode} {body}");
                continue;
            }

            if (await AuditCountAsync(actor) <= before)
            {
                failures.Add($"{operation}: succeeded without an audit entry");
            }
        }

        failures.ShouldBeEmpty();
    }

    /// <summary>Each mutating operation with a factory for a valid request; a factory seeds what it needs as the administrator first.</summary>
    private Dictionary<string, Func<Task<HttpRequestMessage>>> Walks() => new()
    {
        ["POST /api/v1/me/tokens"] = () => Json("POST", "/api/v1/me/tokens", new { name = Unique("t"), scope = "Read", expiresInDays = 7 }),
        ["DELETE /api/v1/me/tokens/{id}"] = async () =>
        {
            var created = JsonDocument.Parse(await (await _walker.PostAsJsonAsync("/api/v1/me/tokens", new { name = Unique("t"), scope = "Read", expiresInDays = 7 })).Content.ReadAsStringAsync());
            return await Json("DELETE", $"/api/v1/me/tokens/{created.RootElement.GetProperty("token").GetProperty("id").GetGuid()}");
        },

        ["POST /api/v1/me/password"] = async () =>
        {
            var (id, name) = await OwnAccountAsync();
            return AsOwner(await Json("POST", "/api/v1/me/password", new { currentPassword = "Passw0rd-walk", newPassword = "An0ther-Passw0rd-walk" }), id, Basic(name));
        },
        ["POST /api/v1/me/mfa/disable"] = async () =>
        {
            var (id, _, bearer) = await OwnAccountWithMfaAsync();
            return AsOwner(await Json("POST", "/api/v1/me/mfa/disable", new { password = "Passw0rd-walk" }), id, bearer);
        },
        ["POST /api/v1/me/mfa/recovery-codes"] = async () =>
        {
            var (id, key, bearer) = await OwnAccountWithMfaAsync();
            return AsOwner(await Json("POST", "/api/v1/me/mfa/recovery-codes", new { code = Totp.Code(key, DateTimeOffset.UtcNow) }), id, bearer);
        },

        ["POST /api/v1/users"] = () => Json("POST", "/api/v1/users", new { userName = Unique("u"), password = "Passw0rd-walk", mustChangePassword = false }),
        ["POST /api/v1/users/{id}/disable"] = async () => await Json("POST", $"/api/v1/users/{await NewUserAsync()}/disable"),
        ["POST /api/v1/users/{id}/enable"] = async () => await Json("POST", $"/api/v1/users/{await NewUserAsync()}/enable"),
        ["POST /api/v1/users/{id}/reset-mfa"] = async () => await Json("POST", $"/api/v1/users/{await NewUserAsync()}/reset-mfa"),
        ["POST /api/v1/users/{id}/password"] = async () => await Json("POST", $"/api/v1/users/{await NewUserAsync()}/password", new { password = "An0ther-Passw0rd" }),
        ["PUT /api/v1/users/{id}/roles"] = async () => await Json("PUT", $"/api/v1/users/{await NewUserAsync()}/roles", new { roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } }),

        ["POST /api/v1/roles"] = () => Json("POST", "/api/v1/roles", new { name = Unique("r"), capabilities = new[] { Capabilities.ChatUse } }),
        ["PUT /api/v1/roles/{id}"] = async () => await Json("PUT", $"/api/v1/roles/{await NewRoleAsync()}", new { name = Unique("r"), capabilities = new[] { Capabilities.JobsStart } }),
        ["DELETE /api/v1/roles/{id}"] = async () => await Json("DELETE", $"/api/v1/roles/{await NewRoleAsync()}"),

        ["POST /api/v1/groups"] = () => Json("POST", "/api/v1/groups", new { name = Unique("g") }),
        ["DELETE /api/v1/groups/{id}"] = async () => await Json("DELETE", $"/api/v1/groups/{await NewGroupAsync()}"),
        ["POST /api/v1/groups/{id}/members"] = async () => await Json("POST", $"/api/v1/groups/{await NewGroupAsync()}/members", new { userId = await NewUserAsync() }),
        ["DELETE /api/v1/groups/{id}/members/{userId}"] = async () =>
        {
            var group = await NewGroupAsync();
            var user = await NewUserAsync();
            (await Admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { userId = user })).EnsureSuccessStatusCode();
            return await Json("DELETE", $"/api/v1/groups/{group}/members/{user}");
        },
        ["PUT /api/v1/groups/{id}/roles"] = async () => await Json("PUT", $"/api/v1/groups/{await NewGroupAsync()}/roles", new { roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } }),

        ["POST /api/v1/projects"] = () => Json("POST", "/api/v1/projects", new { name = Unique("p") }),
        ["PUT /api/v1/projects/{id}"] = async () => await Json("PUT", $"/api/v1/projects/{await NewAsync("/api/v1/projects", new { name = Unique("p") })}", new { name = Unique("p"), description = "edited" }),
        ["DELETE /api/v1/projects/{id}"] = async () => await Json("DELETE", $"/api/v1/projects/{await NewAsync("/api/v1/projects", new { name = Unique("p") })}"),
        ["POST /api/v1/projects/{id}/grants"] = () => GrantAsync("/api/v1/projects", new { name = Unique("p") }),
        ["DELETE /api/v1/projects/{id}/grants/{grantId}"] = () => RevokeAsync("/api/v1/projects", new { name = Unique("p") }),

        ["POST /api/v1/datasets"] = () => Json("POST", "/api/v1/datasets", new { name = Unique("d") }),
        ["PUT /api/v1/datasets/{id}"] = async () => await Json("PUT", $"/api/v1/datasets/{await NewAsync("/api/v1/datasets", new { name = Unique("d") })}", new { name = Unique("d"), description = "edited" }),
        ["DELETE /api/v1/datasets/{id}"] = async () => await Json("DELETE", $"/api/v1/datasets/{await NewAsync("/api/v1/datasets", new { name = Unique("d") })}"),
        ["POST /api/v1/datasets/{id}/grants"] = () => GrantAsync("/api/v1/datasets", new { name = Unique("d") }),
        ["DELETE /api/v1/datasets/{id}/grants/{grantId}"] = () => RevokeAsync("/api/v1/datasets", new { name = Unique("d") }),

        ["POST /api/v1/data-sources"] = () => Json("POST", "/api/v1/data-sources", Source()),
        ["PUT /api/v1/data-sources/{id}"] = async () => await Json("PUT", $"/api/v1/data-sources/{await NewAsync("/api/v1/data-sources", Source())}", Source()),
        ["DELETE /api/v1/data-sources/{id}"] = async () => await Json("DELETE", $"/api/v1/data-sources/{await NewAsync("/api/v1/data-sources", Source())}"),
        ["POST /api/v1/data-sources/{id}/grants"] = () => GrantAsync("/api/v1/data-sources", Source()),
        ["DELETE /api/v1/data-sources/{id}/grants/{grantId}"] = () => RevokeAsync("/api/v1/data-sources", Source()),
        ["POST /api/v1/data-sources/{id}/schedules"] = async () =>
            await Json("POST", $"/api/v1/data-sources/{await NewAsync("/api/v1/data-sources", Source())}/schedules", new { datasetId = await NewAsync("/api/v1/datasets", new { name = Unique("d") }), query = "SELECT 1", cron = "0 3 * * *" }),
        ["DELETE /api/v1/data-sources/{id}/schedules/{scheduleId}"] = async () =>
        {
            var source = await NewAsync("/api/v1/data-sources", Source());
            var schedule = await NewAsync($"/api/v1/data-sources/{source}/schedules", new { datasetId = await NewAsync("/api/v1/datasets", new { name = Unique("d") }), query = "SELECT 1", cron = "0 3 * * *" });
            return await Json("DELETE", $"/api/v1/data-sources/{source}/schedules/{schedule}");
        },

        ["POST /api/v1/data-sources/{id}/import"] = async () =>
            await Json("POST", $"/api/v1/data-sources/{await NewAsync("/api/v1/data-sources", ReachableSource())}/import", new { datasetId = await NewAsync("/api/v1/datasets", new { name = Unique("d") }), query = "SELECT 1 AS x", message = "walked" }),

        ["POST /api/v1/experiments"] = () => Json("POST", "/api/v1/experiments", new { projectId = _project, name = Unique("e") }),
        ["PUT /api/v1/experiments/{id}"] = async () => await Json("PUT", $"/api/v1/experiments/{await NewExperimentAsync()}", new { name = Unique("e") }),
        ["DELETE /api/v1/experiments/{id}"] = async () => await Json("DELETE", $"/api/v1/experiments/{await NewExperimentAsync()}"),
        ["POST /api/v1/experiments/{id}/restore"] = async () =>
        {
            var experiment = await NewExperimentAsync();
            (await Admin.DeleteAsync($"/api/v1/experiments/{experiment}")).EnsureSuccessStatusCode();
            return await Json("POST", $"/api/v1/experiments/{experiment}/restore");
        },
        ["PUT /api/v1/experiments/{id}/tags/{key}"] = async () => await Json("PUT", $"/api/v1/experiments/{await NewExperimentAsync()}/tags/team", new { value = "risk" }),
        ["DELETE /api/v1/experiments/{id}/tags/{key}"] = async () =>
        {
            var experiment = await NewExperimentAsync();
            (await Admin.PutAsJsonAsync($"/api/v1/experiments/{experiment}/tags/team", new { value = "risk" })).EnsureSuccessStatusCode();
            return await Json("DELETE", $"/api/v1/experiments/{experiment}/tags/team");
        },
        ["POST /api/v1/experiments/{id}/runs"] = async () => await Json("POST", $"/api/v1/experiments/{await NewExperimentAsync()}/runs", new { name = "r1" }),
        ["POST /api/v1/experiments/{id}/grants"] = async () => await Json("POST", $"/api/v1/experiments/{await NewExperimentAsync()}/grants", await GrantBodyAsync()),
        ["DELETE /api/v1/experiments/{id}/grants/{grantId}"] = async () =>
        {
            var experiment = await NewExperimentAsync();
            var grant = await NewAsync($"/api/v1/experiments/{experiment}/grants", await GrantBodyAsync());
            return await Json("DELETE", $"/api/v1/experiments/{experiment}/grants/{grant}");
        },

        ["PATCH /api/v1/runs/{id}"] = async () => await Json("PATCH", $"/api/v1/runs/{await NewRunAsync()}", new { note = "**walked**" }),
        ["DELETE /api/v1/runs/{id}"] = async () => await Json("DELETE", $"/api/v1/runs/{await NewRunAsync()}"),
        ["POST /api/v1/runs/{id}/inputs"] = async () =>
        {
            var (dataset, version) = await NewDatasetVersionAsync();
            return await Json("POST", $"/api/v1/runs/{await NewRunAsync()}/inputs", new { datasetId = dataset, versionId = version, context = "training" });
        },
        ["POST /api/2.0/mlflow/runs/log-inputs"] = async () => await Json("POST", "/api/2.0/mlflow/runs/log-inputs", new
        {
            run_id = await NewMlflowRunAsync(),
            datasets = new[] { new { dataset = new { name = "walked", digest = "abc123", source_type = "local", source = "walk.csv" } } },
        }),
        ["POST /api/v1/runs/{id}/restore"] = async () =>
        {
            var run = await NewRunAsync();
            (await Admin.DeleteAsync($"/api/v1/runs/{run}")).EnsureSuccessStatusCode();
            return await Json("POST", $"/api/v1/runs/{run}/restore");
        },

        ["POST /api/2.0/mlflow/experiments/create"] = () => Json("POST", "/api/2.0/mlflow/experiments/create", new { name = Unique("e") }),
        ["POST /api/2.0/mlflow/experiments/update"] = async () => await Json("POST", "/api/2.0/mlflow/experiments/update", new { experiment_id = await NewMlflowExperimentAsync(), new_name = Unique("e") }),
        ["POST /api/2.0/mlflow/experiments/delete"] = async () => await Json("POST", "/api/2.0/mlflow/experiments/delete", new { experiment_id = await NewMlflowExperimentAsync() }),
        ["POST /api/2.0/mlflow/experiments/restore"] = async () =>
        {
            var experiment = await NewMlflowExperimentAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/experiments/delete", new { experiment_id = experiment })).EnsureSuccessStatusCode();
            return await Json("POST", "/api/2.0/mlflow/experiments/restore", new { experiment_id = experiment });
        },
        ["POST /api/2.0/mlflow/experiments/set-experiment-tag"] = async () => await Json("POST", "/api/2.0/mlflow/experiments/set-experiment-tag", new { experiment_id = await NewMlflowExperimentAsync(), key = "team", value = "risk" }),
        ["POST /api/2.0/mlflow/experiments/delete-experiment-tag"] = async () =>
        {
            var experiment = await NewMlflowExperimentAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/experiments/set-experiment-tag", new { experiment_id = experiment, key = "team", value = "risk" })).EnsureSuccessStatusCode();
            return await Json("POST", "/api/2.0/mlflow/experiments/delete-experiment-tag", new { experiment_id = experiment, key = "team" });
        },
        ["POST /api/2.0/mlflow/runs/create"] = async () => await Json("POST", "/api/2.0/mlflow/runs/create", new { experiment_id = await NewMlflowExperimentAsync() }),
        ["POST /api/2.0/mlflow/runs/update"] = async () => await Json("POST", "/api/2.0/mlflow/runs/update", new { run_id = await NewMlflowRunAsync(), status = "FINISHED", end_time = 1 }),
        ["POST /api/2.0/mlflow/runs/delete"] = async () => await Json("POST", "/api/2.0/mlflow/runs/delete", new { run_id = await NewMlflowRunAsync() }),
        ["POST /api/2.0/mlflow/runs/restore"] = async () =>
        {
            var run = await NewMlflowRunAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/delete", new { run_id = run })).EnsureSuccessStatusCode();
            return await Json("POST", "/api/2.0/mlflow/runs/restore", new { run_id = run });
        },
        ["POST /api/2.0/mlflow/runs/delete-tag"] = async () =>
        {
            var run = await NewMlflowRunAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/set-tag", new { run_id = run, key = "team", value = "risk" })).EnsureSuccessStatusCode();
            return await Json("POST", "/api/2.0/mlflow/runs/delete-tag", new { run_id = run, key = "team" });
        },
        ["POST /api/2.0/mlflow/registered-models/create"] = () => Json("POST", "/api/2.0/mlflow/registered-models/create", new { name = Unique("m") }),
        ["POST /api/2.0/mlflow/registered-models/rename"] = async () => await Json("POST", "/api/2.0/mlflow/registered-models/rename", new { name = await NewMlflowModelAsync(), new_name = Unique("m") }),
        ["PATCH /api/2.0/mlflow/registered-models/update"] = async () => await Json("PATCH", "/api/2.0/mlflow/registered-models/update", new { name = await NewMlflowModelAsync(), description = "edited" }),
        ["DELETE /api/2.0/mlflow/registered-models/delete"] = async () => await Json("DELETE", "/api/2.0/mlflow/registered-models/delete", new { name = await NewMlflowModelAsync() }),
        ["POST /api/2.0/mlflow/registered-models/set-tag"] = async () => await Json("POST", "/api/2.0/mlflow/registered-models/set-tag", new { name = await NewMlflowModelAsync(), key = "team", value = "risk" }),
        ["DELETE /api/2.0/mlflow/registered-models/delete-tag"] = async () =>
        {
            var model = await NewMlflowModelAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/registered-models/set-tag", new { name = model, key = "team", value = "risk" })).EnsureSuccessStatusCode();
            return await Json("DELETE", "/api/2.0/mlflow/registered-models/delete-tag", new { name = model, key = "team" });
        },

        ["POST /api/v1/models"] = () => Json("POST", "/api/v1/models", new { name = Unique("m") }),
        ["PUT /api/v1/models/{id}"] = async () => await Json("PUT", $"/api/v1/models/{await NewModelAsync()}", new { name = Unique("m"), description = "edited" }),
        ["DELETE /api/v1/models/{id}"] = async () => await Json("DELETE", $"/api/v1/models/{await NewModelAsync()}"),
        ["PUT /api/v1/models/{id}/aliases/{alias}"] = async () => await Json("PUT", $"/api/v1/models/{await NewModelWithVersionAsync()}/aliases/champion", new { version = 1 }),
        ["DELETE /api/v1/models/{id}/aliases/{alias}"] = async () =>
        {
            var model = await NewModelWithVersionAsync();
            (await Admin.PutAsJsonAsync($"/api/v1/models/{model}/aliases/champion", new { version = 1 })).EnsureSuccessStatusCode();
            return await Json("DELETE", $"/api/v1/models/{model}/aliases/champion");
        },
        ["POST /api/v1/models/{id}/versions/upload"] = async () => Upload(await NewModelAsync()),
        ["PATCH /api/v1/models/{id}/versions/{version}"] = async () => await Json("PATCH", $"/api/v1/models/{await NewModelWithVersionAsync()}/versions/1", new { description = "edited" }),
        ["DELETE /api/v1/models/{id}/versions/{version}"] = async () => await Json("DELETE", $"/api/v1/models/{await NewModelWithVersionAsync()}/versions/1"),
        ["POST /api/v1/models/{id}/versions/{version}/stage"] = async () => await Json("POST", $"/api/v1/models/{await NewModelWithVersionAsync()}/versions/1/stage", new { stage = "Staging", archiveExisting = false }),
        ["POST /api/v1/models/{id}/versions"] = async () =>
        {
            var run = await NewRunAsync();
            using var model = new ByteArrayContent(TinyOnnxModel.Regression(2));
            (await Admin.PutAsync($"/api/v1/runs/{run}/artifacts/content?path=model/model.onnx", model)).EnsureSuccessStatusCode();
            return await Json("POST", $"/api/v1/models/{await NewModelAsync()}/versions", new { source = $"runs:/{run:N}/model", description = "walked" });
        },
        ["POST /api/2.0/mlflow/logged-models"] = async () => await Json("POST", "/api/2.0/mlflow/logged-models", new { experiment_id = await NewMlflowExperimentAsync(), name = "model" }),
        ["PATCH /api/2.0/mlflow/logged-models/{model_id}"] = async () =>
        {
            var model = await NewLoggedModelAsync();
            return await Json("PATCH", $"/api/2.0/mlflow/logged-models/{model}", new { model_id = model, status = "LOGGED_MODEL_READY" });
        },
        ["DELETE /api/2.0/mlflow/logged-models/{model_id}"] = async () => await Json("DELETE", $"/api/2.0/mlflow/logged-models/{await NewLoggedModelAsync()}"),
        ["POST /api/3.0/mlflow/traces/delete-traces"] = async () =>
        {
            var (experiment, trace) = await NewTraceAsync();
            return await Json("POST", "/api/3.0/mlflow/traces/delete-traces", new { experiment_id = experiment, request_ids = new[] { trace } });
        },
        ["POST /api/2.0/mlflow/traces/delete-traces"] = async () =>
        {
            var (experiment, trace) = await NewTraceAsync();
            return await Json("POST", "/api/2.0/mlflow/traces/delete-traces", new { experiment_id = experiment, request_ids = new[] { trace } });
        },
        ["POST /api/2.0/mlflow/model-versions/create"] = async () =>
        {
            var experiment = await NewMlflowExperimentAsync();
            var created = await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/create", new { experiment_id = experiment });
            var run = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
            using var model = new ByteArrayContent(TinyOnnxModel.Regression(2));
            (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experiment}/{run}/artifacts/model/model.onnx", model)).EnsureSuccessStatusCode();
            return await Json("POST", "/api/2.0/mlflow/model-versions/create", new { name = await NewMlflowModelAsync(), source = $"runs:/{run}/model", run_id = run });
        },
        ["PATCH /api/2.0/mlflow/model-versions/update"] = async () => await Json("PATCH", "/api/2.0/mlflow/model-versions/update", new { name = await NewMlflowModelWithVersionAsync(), version = "1", description = "edited" }),
        ["POST /api/2.0/mlflow/model-versions/transition-stage"] = async () =>
            await Json("POST", "/api/2.0/mlflow/model-versions/transition-stage", new { name = await NewMlflowModelWithVersionAsync(), version = "1", stage = "Staging", archive_existing_versions = false }),
        ["DELETE /api/2.0/mlflow/model-versions/delete"] = async () => await Json("DELETE", "/api/2.0/mlflow/model-versions/delete", new { name = await NewMlflowModelWithVersionAsync(), version = "1" }),
        ["POST /api/2.0/mlflow/model-versions/set-tag"] = async () => await Json("POST", "/api/2.0/mlflow/model-versions/set-tag", new { name = await NewMlflowModelWithVersionAsync(), version = "1", key = "team", value = "risk" }),
        ["DELETE /api/2.0/mlflow/model-versions/delete-tag"] = async () =>
        {
            var model = await NewMlflowModelWithVersionAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/model-versions/set-tag", new { name = model, version = "1", key = "team", value = "risk" })).EnsureSuccessStatusCode();
            return await Json("DELETE", "/api/2.0/mlflow/model-versions/delete-tag", new { name = model, version = "1", key = "team" });
        },
        ["POST /api/2.0/mlflow/registered-models/alias"] = async () => await Json("POST", "/api/2.0/mlflow/registered-models/alias", new { name = await NewMlflowModelWithVersionAsync(), alias = "champion", version = "1" }),
        ["DELETE /api/2.0/mlflow/registered-models/alias"] = async () =>
        {
            var model = await NewMlflowModelWithVersionAsync();
            (await Admin.PostAsJsonAsync("/api/2.0/mlflow/registered-models/alias", new { name = model, alias = "champion", version = "1" })).EnsureSuccessStatusCode();
            return await Json("DELETE", "/api/2.0/mlflow/registered-models/alias", new { name = model, alias = "champion" });
        },
        ["POST /api/v1/models/{id}/grants"] = async () => await Json("POST", $"/api/v1/models/{await NewModelAsync()}/grants", await GrantBodyAsync()),
        ["DELETE /api/v1/models/{id}/grants/{grantId}"] = async () =>
        {
            var model = await NewModelAsync();
            var grant = await NewAsync($"/api/v1/models/{model}/grants", await GrantBodyAsync());
            return await Json("DELETE", $"/api/v1/models/{model}/grants/{grant}");
        },

        ["POST /api/v1/llm/providers"] = () => Json("POST", "/api/v1/llm/providers", Provider()),
        ["PUT /api/v1/llm/providers/{id}"] = async () => await Json("PUT", $"/api/v1/llm/providers/{await NewAsync("/api/v1/llm/providers", Provider())}", Provider()),
        ["DELETE /api/v1/llm/providers/{id}"] = async () => await Json("DELETE", $"/api/v1/llm/providers/{await NewAsync("/api/v1/llm/providers", Provider())}"),
        ["POST /api/v1/llm/providers/{id}/sync"] = async () => await Json("POST", $"/api/v1/llm/providers/{await NewAsync("/api/v1/llm/providers", Provider())}/sync"),
        ["PUT /api/v1/llm/models/{id}"] = async () => await Json("PUT", $"/api/v1/llm/models/{await NewLlmModelAsync()}", new { enabled = true, openToAll = true, contextTokens = 4096 }),
        ["POST /api/v1/llm/models/{id}/grants"] = async () => await Json("POST", $"/api/v1/llm/models/{await NewLlmModelAsync()}/grants", await GrantBodyAsync()),
        ["DELETE /api/v1/llm/models/{id}/grants/{grantId}"] = async () =>
        {
            var model = await NewLlmModelAsync();
            var grant = await NewAsync($"/api/v1/llm/models/{model}/grants", await GrantBodyAsync());
            return await Json("DELETE", $"/api/v1/llm/models/{model}/grants/{grant}");
        },
        ["PUT /api/v1/llm/quotas"] = async () => await Json("PUT", "/api/v1/llm/quotas", new { principalType = "User", principalId = await NewUserAsync(), tokensPerDay = 1000 }),

        ["POST /api/v1/knowledge-bases"] = () => Json("POST", "/api/v1/knowledge-bases", new { name = Unique("kb") }),
        ["PUT /api/v1/knowledge-bases/{id}"] = async () => await Json("PUT", $"/api/v1/knowledge-bases/{await NewAsync("/api/v1/knowledge-bases", new { name = Unique("kb") })}", new { name = Unique("kb"), description = "edited" }),
        ["DELETE /api/v1/knowledge-bases/{id}"] = async () => await Json("DELETE", $"/api/v1/knowledge-bases/{await NewAsync("/api/v1/knowledge-bases", new { name = Unique("kb") })}"),
        ["POST /api/v1/knowledge-bases/{id}/reindex"] = async () => await Json("POST", $"/api/v1/knowledge-bases/{(await NewDocumentAsync()).KnowledgeBase}/reindex"),
        ["POST /api/v1/knowledge-bases/{id}/grants"] = () => GrantAsync("/api/v1/knowledge-bases", new { name = Unique("kb") }),
        ["DELETE /api/v1/knowledge-bases/{id}/grants/{grantId}"] = () => RevokeAsync("/api/v1/knowledge-bases", new { name = Unique("kb") }),
        ["POST /api/v1/knowledge-bases/{id}/documents"] = async () => DocumentUpload(await NewAsync("/api/v1/knowledge-bases", new { name = Unique("kb") })),
        ["DELETE /api/v1/knowledge-bases/{id}/documents/{documentId}"] = async () =>
        {
            var (kb, document) = await NewDocumentAsync();
            return await Json("DELETE", $"/api/v1/knowledge-bases/{kb}/documents/{document}");
        },
        ["POST /api/v1/knowledge-bases/{id}/documents/{documentId}/reindex"] = async () =>
        {
            var (kb, document) = await NewDocumentAsync();
            return await Json("POST", $"/api/v1/knowledge-bases/{kb}/documents/{document}/reindex");
        },

        ["POST /api/v1/endpoints"] = async () => await Json("POST", "/api/v1/endpoints", new { name = Unique("ep"), modelId = await NewModelWithVersionAsync(), target = "1" }),
        ["DELETE /api/v1/endpoints/{id}"] = async () => await Json("DELETE", $"/api/v1/endpoints/{await NewEndpointAsync()}"),
        ["PUT /api/v1/endpoints/{id}/settings"] = async () =>
            await Json("PUT", $"/api/v1/endpoints/{await NewEndpointAsync()}/settings", new { threads = 1, maxBatchSize = 1, maxQueueDelayMicroseconds = 0, replicas = 1, rollOnAliasMove = false, payloadLogPercent = 0, description = "edited" }),
        ["POST /api/v1/endpoints/{id}/roll"] = async () => await Json("POST", $"/api/v1/endpoints/{await NewEndpointAsync()}/roll", new { target = "2" }),
        ["POST /api/v1/endpoints/{id}/canary"] = async () => await Json("POST", $"/api/v1/endpoints/{await NewEndpointAsync()}/canary", new { target = "2", percent = 10 }),
        ["POST /api/v1/endpoints/{id}/promote"] = async () => await Json("POST", $"/api/v1/endpoints/{await NewEndpointWithCanaryAsync()}/promote"),
        ["POST /api/v1/endpoints/{id}/rollback"] = async () => await Json("POST", $"/api/v1/endpoints/{await NewEndpointWithCanaryAsync()}/rollback"),
        ["POST /api/v1/endpoints/{id}/grants"] = async () => await Json("POST", $"/api/v1/endpoints/{await NewEndpointAsync()}/grants", await GrantBodyAsync()),
        ["DELETE /api/v1/endpoints/{id}/grants/{grantId}"] = async () =>
        {
            var endpoint = await NewEndpointAsync();
            var grant = await NewAsync($"/api/v1/endpoints/{endpoint}/grants", await GrantBodyAsync());
            return await Json("DELETE", $"/api/v1/endpoints/{endpoint}/grants/{grant}");
        },

        ["POST /api/v1/datasets/{id}/versions"] = async () => CsvUpload(await NewAsync("/api/v1/datasets", new { name = Unique("d") })),
        ["POST /api/v1/datasets/{id}/versions/from-query"] = async () =>
            await Json("POST", $"/api/v1/datasets/{await NewAsync("/api/v1/datasets", new { name = Unique("d") })}/versions/from-query", new { sql = "SELECT 1 AS x, 'a' AS y", message = "walked" }),
        ["POST /api/v1/datasets/{id}/versions/{versionId}/profile"] = async () =>
        {
            var (dataset, version) = await NewDatasetVersionAsync();
            return await Json("POST", $"/api/v1/datasets/{dataset}/versions/{version}/profile");
        },
        ["DELETE /api/v1/runs/{id}/artifacts"] = async () =>
        {
            var run = await NewRunAsync();
            (await Admin.PutAsync($"/api/v1/runs/{run}/artifacts/content?path=notes/walk.txt", new ByteArrayContent("walked"u8.ToArray()))).EnsureSuccessStatusCode();
            return await Json("DELETE", $"/api/v1/runs/{run}/artifacts?path=notes");
        },
        ["DELETE /api/2.0/mlflow-artifacts/artifacts/{path}"] = async () =>
        {
            var experiment = await NewMlflowExperimentAsync();
            var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/create", new { experiment_id = experiment });
            var run = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
            (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experiment}/{run}/artifacts/walk.txt", new ByteArrayContent("walked"u8.ToArray()))).EnsureSuccessStatusCode();
            return await Json("DELETE", $"/api/2.0/mlflow-artifacts/artifacts/{experiment}/{run}/artifacts/walk.txt");
        },

        ["POST /api/v1/jobs"] = () => Json("POST", "/api/v1/jobs", new { kind = SlowJobHandler.JobKind }),
        ["POST /api/v1/jobs/{id}/cancel"] = async () => await Json("POST", $"/api/v1/jobs/{await NewAsync("/api/v1/jobs", new { kind = SlowJobHandler.JobKind })}/cancel"),

        ["POST /api/v1/training-runs"] = async () => await Json("POST", "/api/v1/training-runs", await BuiltInTrainingAsync()),
        ["POST /api/v1/training-runs/{id}/cancel"] = async () => await Json("POST", $"/api/v1/training-runs/{await NewQueuedTrainingAsync()}/cancel"),
        ["POST /api/v1/training-runs/{id}/retry"] = async () => await Json("POST", $"/api/v1/training-runs/{await NewQueuedTrainingAsync()}/retry"),
        ["POST /api/v1/training-runs/code"] = () => Task.FromResult(new HttpRequestMessage(HttpMethod.Post, "/api/v1/training-runs/code") { Content = new ByteArrayContent(CodeZip()) }),
        ["POST /api/v1/studies"] = async () => await Json("POST", "/api/v1/studies", await StudyAsync()),
        ["POST /api/v1/studies/{id}/cancel"] = async () => await Json("POST", $"/api/v1/studies/{await NewAsync("/api/v1/studies", await StudyAsync())}/cancel"),

        // i18/api: apps.
        ["POST /api/v1/apps"] = () => Json("POST", "/api/v1/apps", NewApp()),
        ["POST /api/v1/apps/import"] = async () =>
        {
            var app = await NewAsync("/api/v1/apps", NewApp());
            var yaml = await Admin.GetStringAsync($"/api/v1/apps/{app}/export");
            return new HttpRequestMessage(HttpMethod.Post, "/api/v1/apps/import") { Content = new StringContent(yaml, Encoding.UTF8, "text/yaml") };
        },
        ["PUT /api/v1/apps/{id}"] = async () => await Json("PUT", $"/api/v1/apps/{await NewAsync("/api/v1/apps", NewApp())}", NewApp()),
        ["DELETE /api/v1/apps/{id}"] = async () => await Json("DELETE", $"/api/v1/apps/{await NewAsync("/api/v1/apps", NewApp())}"),
        ["PUT /api/v1/apps/{id}/draft"] = async () =>
        {
            var app = await NewAsync("/api/v1/apps", NewApp());
            var draft = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/draft", JsonDefaults.Options);
            return await Json("PUT", $"/api/v1/apps/{app}/draft", new { graph = draft.GetProperty("graph"), revision = draft.GetProperty("revision").GetInt32() });
        },
        ["POST /api/v1/apps/{id}/publish"] = async () => await Json("POST", $"/api/v1/apps/{await NewAsync("/api/v1/apps", NewApp())}/publish", new { message = "walked" }),
        ["POST /api/v1/apps/{id}/versions/{number}/restore"] = async () => await Json("POST", $"/api/v1/apps/{await NewPublishedAppAsync(1)}/versions/1/restore"),
        ["POST /api/v1/apps/{id}/rollback"] = async () => await Json("POST", $"/api/v1/apps/{await NewPublishedAppAsync(2)}/rollback", new { version = 1 }),
        ["POST /api/v1/apps/{id}/runs/{runId}/cancel"] = async () =>
        {
            var (app, run) = await NewRunningAppRunAsync();
            return await Json("POST", $"/api/v1/apps/{app}/runs/{run}/cancel");
        },
        ["POST /api/v1/apps/{id}/grants"] = () => GrantAsync("/api/v1/apps", NewApp()),
        ["DELETE /api/v1/apps/{id}/grants/{grantId}"] = () => RevokeAsync("/api/v1/apps", NewApp()),

        // i18/keys: app API keys.
        ["POST /api/v1/apps/{id}/keys"] = async () => await Json("POST", $"/api/v1/apps/{await NewAsync("/api/v1/apps", NewApp())}/keys", new { name = "walked" }),
        ["DELETE /api/v1/apps/{id}/keys/{keyId}"] = async () =>
        {
            var app = await NewAsync("/api/v1/apps", NewApp());
            var created = await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/keys", new { name = "walked" }, JsonDefaults.Options);
            var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("info").GetProperty("id").GetGuid();
            return await Json("DELETE", $"/api/v1/apps/{app}/keys/{key}");
        },

        // i18/eval: evaluations of an app version over a dataset.
        ["POST /api/v1/apps/{id}/evaluations"] = async () =>
        {
            var (app, dataset) = await NewEvaluationSeedAsync(3);
            return await Json("POST", $"/api/v1/apps/{app}/evaluations", EvaluationBody(dataset, 1));
        },
        ["POST /api/v1/apps/{id}/evaluations/{evaluationId}/cancel"] = async () =>
        {
            // Enough rows, one at a time, that the evaluation is still going when the walk cancels it.
            var (app, dataset) = await NewEvaluationSeedAsync(3000);
            var evaluation = await NewAsync($"/api/v1/apps/{app}/evaluations", EvaluationBody(dataset, 1));
            return await Json("POST", $"/api/v1/apps/{app}/evaluations/{evaluation}/cancel");
        },

        ["POST /api/v1/prompt-templates"] = () => Json("POST", "/api/v1/prompt-templates", new { name = Unique("pt"), content = "Summarise {{text}}" }),
        ["PUT /api/v1/prompt-templates/{id}"] = async () => await Json("PUT", $"/api/v1/prompt-templates/{await NewAsync("/api/v1/prompt-templates", new { name = Unique("pt"), content = "x" }, _walker)}", new { name = Unique("pt"), content = "y" }),
        ["DELETE /api/v1/prompt-templates/{id}"] = async () => await Json("DELETE", $"/api/v1/prompt-templates/{await NewAsync("/api/v1/prompt-templates", new { name = Unique("pt"), content = "x" }, _walker)}"),
    };

    private async Task<HashSet<string>> MutatingOperationsAsync()
    {
        using var document = JsonDocument.Parse(await Admin.GetStringAsync("/openapi/v1.json"));
        var operations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject().Select(m => m.Name.ToUpperInvariant()).Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE"))
            {
                operations.Add($"{method} {path.Name}");
            }
        }

        operations.Count.ShouldBeGreaterThan(100);
        return operations;
    }

    private async Task<int> AuditCountAsync(Guid actor) =>
        (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?actorId={actor}&pageSize=1", JsonDefaults.Options)).GetProperty("totalCount").GetInt32();

    private static Task<HttpRequestMessage> Json(string method, string url, object? body = null) =>
        Task.FromResult(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = body is null ? null : new StringContent(JsonSerializer.Serialize(body, JsonDefaults.Options), Encoding.UTF8, "application/json"),
        });

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static object NewApp() => new { name = Unique("app"), slug = Unique("app"), kind = "Workflow" };

    /// <summary>An app (i18/api) published <paramref name="times"/> times.</summary>
    private async Task<Guid> NewPublishedAppAsync(int times)
    {
        var app = await NewAsync("/api/v1/apps", NewApp());
        for (var i = 0; i < times; i++)
        {
            var published = await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "seed" }, JsonDefaults.Options);
            published.IsSuccessStatusCode.ShouldBeTrue(await published.Content.ReadAsStringAsync());
        }

        return app;
    }

    /// <summary>An app (i18/eval) published once (start → end, text = the start field) and a dataset with a version of <paramref name="rows"/> rows.</summary>
    private async Task<(Guid App, Guid Dataset)> NewEvaluationSeedAsync(int rows)
    {
        var app = await NewAsync("/api/v1/apps", NewApp());
        var draft = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/draft", JsonDefaults.Options);
        var graph = System.Text.Json.Nodes.JsonNode.Parse("""
            {"nodes": [{"id": "start", "type": "start", "config": {"fields": [{"name": "name", "type": "text", "required": false}]}},
                       {"id": "end", "type": "end", "x": 300, "config": {"outputs": [{"name": "text", "value": "{{start.name}}"}]}}],
             "edges": [{"source": "start", "target": "end"}]}
            """);
        (await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/draft", new { graph, revision = draft.GetProperty("revision").GetInt32() }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "seed" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var dataset = await NewAsync("/api/v1/datasets", new { name = Unique("d") });
        var csv = "name,expected\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"n{i},n{i}\n"));
        (await Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=rows.csv", new StringContent(csv))).EnsureSuccessStatusCode();
        return (app, dataset);
    }

    private static object EvaluationBody(Guid dataset, int concurrency) => new
    {
        datasetId = dataset,
        settings = new { inputs = new Dictionary<string, string> { ["name"] = "name" }, expected = "expected", scorers = new[] { new { kind = "exact" } }, concurrency },
    };

    /// <summary>An app (i18/api) whose published version loops until cancelled, and the id of its run going on (started by the administrator).</summary>
    private async Task<(Guid App, Guid Run)> NewRunningAppRunAsync()
    {
        var slug = Unique("app");
        var app = await NewAsync("/api/v1/apps", new { name = slug, slug, kind = "Workflow" });
        var draft = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/draft", JsonDefaults.Options);
        (await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/draft", new { graph = Apps.AppStreamApiTests.SlowLoop(), revision = draft.GetProperty("revision").GetInt32() }, JsonDefaults.Options)).IsSuccessStatusCode.ShouldBeTrue();
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "seed" }, JsonDefaults.Options)).IsSuccessStatusCode.ShouldBeTrue();
        _ = Admin.PostAsJsonAsync($"/api/v1/apps/{slug}/run", new { inputs = new { } }, JsonDefaults.Options);
        for (var i = 0; i < 1200; i++)
        {
            var runs = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/runs", JsonDefaults.Options);
            if (runs.GetProperty("items").EnumerateArray().FirstOrDefault(r => r.GetProperty("status").GetString() == "Running") is { ValueKind: JsonValueKind.Object } running)
            {
                return (app, running.GetProperty("id").GetGuid());
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("no run of the app was marked Running within 60 s");
    }

    private static object Source() => new { name = Unique("s"), kind = "Postgres", host = "db.example.org", port = 5432, database = "sales", userName = "reader" };

    /// <summary>A PostgreSQL source on the shared test server (or an unreachable name where none is configured: the import route only queues the job).</summary>
    private static object ReachableSource()
    {
        var server = Environment.GetEnvironmentVariable("AIP_TEST_POSTGRES") is { } text ? new Npgsql.NpgsqlConnectionStringBuilder(text) : null;
        return new
        {
            name = Unique("s"),
            kind = "Postgres",
            host = server?.Host ?? "db.example.org",
            port = server?.Port ?? 5432,
            database = server?.Database ?? "sales",
            userName = server?.Username ?? "reader",
            password = server?.Password,
            tls = "Disable",
        };
    }

    private (Guid Experiment, Guid Dataset, Guid Version)? _training;

    /// <summary>
    /// An experiment and a dataset version to train on, with both slots of the Local backend taken by custom runs that
    /// sleep until the platform stops: every training the walk submits stays queued, so a run or a study can be cancelled
    /// (never "already ended") however fast the built-in trainers are.
    /// </summary>
    private async Task<(Guid Experiment, Guid Dataset, Guid Version)> TrainingSetupAsync()
    {
        if (_training is { } ready)
        {
            return ready;
        }

        // Custom runs need the URL of the platform's MLflow API, which an in-memory test server does not have; nothing calls it.
        Factory.Services.GetRequiredService<TrainingSettings>().TrackingUri ??= "http://127.0.0.1:1";
        var experiment = await NewExperimentAsync();
        var dataset = await NewAsync("/api/v1/datasets", new { name = Unique("d") });
        var upload = await Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=train.csv", new StringContent("x,color,y\n1,red,2.1\n2,blue,3.9\n3,red,6.2\n"));
        var text = await upload.Content.ReadAsStringAsync();
        upload.IsSuccessStatusCode.ShouldBeTrue($"uploading the training data: {text}");
        var version = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        var slots = Factory.Services.GetRequiredService<TrainingSettings>().LocalConcurrency;
        for (var i = 0; i < slots; i++)
        {
            var response = await Admin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, name = "slot-holder", kind = "Custom", custom = new { command = "sleep 3600" } }, JsonDefaults.Options);
            var body = await response.Content.ReadAsStringAsync();
            response.IsSuccessStatusCode.ShouldBeTrue($"submitting a run that holds a slot: {body}");
            JsonDocument.Parse(body).RootElement.GetProperty("status").GetString().ShouldNotBe("Queued", "the slot holder should have taken a slot");
        }

        _training = (experiment, dataset, version);
        return _training.Value;
    }

    private async Task<object> BuiltInTrainingAsync()
    {
        var (experiment, dataset, version) = await TrainingSetupAsync();
        return new
        {
            experimentId = experiment,
            name = Unique("train"),
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastForest", label = "y", features = new[] { "x" }, hyperparameters = new Dictionary<string, double> { ["numberOfTrees"] = 2 }, testFraction = 0.34 },
            datasetId = dataset,
            datasetVersionId = version,
        };
    }

    /// <summary>A built-in training that waits behind the slot holders.</summary>
    private async Task<Guid> NewQueuedTrainingAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/training-runs", await BuiltInTrainingAsync(), JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"submitting a training: {text}");
        var run = JsonDocument.Parse(text).RootElement;
        run.GetProperty("status").GetString().ShouldBe("Queued", "the walk's trainings wait behind the slot holders");
        return run.GetProperty("id").GetGuid();
    }

    private async Task<object> StudyAsync() => new
    {
        name = Unique("study"),
        @base = await BuiltInTrainingAsync(),
        searchSpace = new[] { new { name = "numberOfTrees", type = "Int", low = 2, high = 4 } },
        objectiveMetric = "rmse",
        direction = "Minimize",
        sampler = "Random",
        maxTrials = 2,
        parallelism = 1,
    };

    private static byte[] CodeZip()
    {
        using var buffer = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(archive.CreateEntry("train.py").Open(), Encoding.UTF8);
            writer.Write("print('walked')\n");
        }

        return buffer.ToArray();
    }

    /// <summary>Creates an object as the administrator and returns its id (from <c>id</c>, or <c>model.id</c> for registry views).</summary>
    private async Task<Guid> NewAsync(string url, object body, HttpClient? owner = null)
    {
        var response = await (owner ?? Admin).PostAsJsonAsync(url, body, JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"seeding {url}: {text}");
        var root = JsonDocument.Parse(text).RootElement;
        return (root.TryGetProperty("id", out var id) ? id : root.GetProperty("model").GetProperty("id")).GetGuid();
    }

    private async Task<Guid> NewUserAsync() => await NewAsync("/api/v1/users", new { userName = Unique("u"), password = "Passw0rd-walk", mustChangePassword = false });

    /// <summary>A Viewer account with the known password <c>Passw0rd-walk</c>, for routes that act on the caller's own account.</summary>
    private async Task<(Guid Id, string UserName)> OwnAccountAsync()
    {
        var name = Unique("own");
        var id = await NewAsync("/api/v1/users", new { userName = name, password = "Passw0rd-walk", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } });
        return (id, name);
    }

    /// <summary>An own account with real TOTP MFA enrolled, and a token minted before the enrolment (Basic sign-in stops at the second factor).</summary>
    private async Task<(Guid Id, string Key, AuthenticationHeaderValue Bearer)> OwnAccountWithMfaAsync()
    {
        var (id, name) = await OwnAccountAsync();
        using var client = Factory.CreateClientAs(name, "Passw0rd-walk");
        var token = await client.MintTokenAsync();
        using var scope = Factory.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
        var setup = await accounts.BeginMfaSetupAsync(id, default);
        await accounts.EnableMfaAsync(id, Totp.Code(setup.SharedKey, DateTimeOffset.UtcNow), default);
        return (id, setup.SharedKey, new AuthenticationHeaderValue("Bearer", token));
    }

    private static AuthenticationHeaderValue Basic(string userName) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:Passw0rd-walk")));

    /// <summary>Sends the request as the account's owner (the header on the request wins over the walker's default one) and counts that owner's audit entries.</summary>
    private static HttpRequestMessage AsOwner(HttpRequestMessage request, Guid owner, AuthenticationHeaderValue credentials)
    {
        request.Headers.Authorization = credentials;
        request.Options.Set(Actor, owner);
        return request;
    }

    private object Provider() => new { name = Unique("llm"), baseUrl = _llm.BaseUrl, apiKey = "walk-key" };

    /// <summary>A model listed by a new provider (the fake model list), added by the administrator's sync.</summary>
    private async Task<Guid> NewLlmModelAsync()
    {
        var provider = await NewAsync("/api/v1/llm/providers", Provider());
        var response = await Admin.PostAsync($"/api/v1/llm/providers/{provider}/sync", null);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"syncing the fake provider: {text}");
        return JsonDocument.Parse(text).RootElement[0].GetProperty("id").GetGuid();
    }

    private static HttpRequestMessage DocumentUpload(Guid knowledgeBase)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("# Parking\nVisitors park on level -2.\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new HttpRequestMessage(HttpMethod.Post, $"/api/v1/knowledge-bases/{knowledgeBase}/documents?fileName=parking.md") { Content = content };
    }

    private async Task<(Guid KnowledgeBase, Guid Document)> NewDocumentAsync()
    {
        var kb = await NewAsync("/api/v1/knowledge-bases", new { name = Unique("kb") });
        using var upload = DocumentUpload(kb);
        var response = await Admin.SendAsync(upload);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"uploading a document: {text}");
        return (kb, JsonDocument.Parse(text).RootElement[0].GetProperty("id").GetGuid());
    }

    /// <summary>A CSV upload with content of its own (an upload identical to the latest version creates nothing).</summary>
    private static HttpRequestMessage CsvUpload(Guid dataset)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"x,y\n1,{Guid.NewGuid():N}\n2,b\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new HttpRequestMessage(HttpMethod.Post, $"/api/v1/datasets/{dataset}/versions?fileName=walk.csv") { Content = content };
    }

    private async Task<(Guid Dataset, Guid Version)> NewDatasetVersionAsync()
    {
        var dataset = await NewAsync("/api/v1/datasets", new { name = Unique("d") });
        using var upload = CsvUpload(dataset);
        var response = await Admin.SendAsync(upload);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"uploading a dataset version: {text}");
        return (dataset, JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid());
    }

    private async Task<Guid> NewRoleAsync() => await NewAsync("/api/v1/roles", new { name = Unique("r"), capabilities = new[] { Capabilities.ChatUse } });

    private async Task<Guid> NewGroupAsync() => await NewAsync("/api/v1/groups", new { name = Unique("g") });

    private async Task<Guid> NewExperimentAsync() => await NewAsync("/api/v1/experiments", new { projectId = _project, name = Unique("e") });

    private async Task<Guid> NewRunAsync() => await NewAsync($"/api/v1/experiments/{await NewExperimentAsync()}/runs", new { name = "r" });

    private async Task<Guid> NewModelAsync() => await NewAsync("/api/v1/models", new { name = Unique("m") });

    private async Task<Guid> NewModelWithVersionAsync()
    {
        var model = await NewModelAsync();
        using var upload = Upload(model);
        (await Admin.SendAsync(upload)).EnsureSuccessStatusCode();
        return model;
    }

    /// <summary>An endpoint serving version 1 of a model that has two uploaded ONNX versions.</summary>
    private async Task<Guid> NewEndpointAsync()
    {
        var model = await NewModelWithVersionAsync();
        using var second = Upload(model);
        (await Admin.SendAsync(second)).EnsureSuccessStatusCode();
        var response = await Admin.PostAsJsonAsync("/api/v1/endpoints", new { name = Unique("ep"), modelId = model, target = "1" });
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"deploying: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("endpoint").GetProperty("id").GetGuid();
    }

    private async Task<Guid> NewEndpointWithCanaryAsync()
    {
        var endpoint = await NewEndpointAsync();
        (await Admin.PostAsJsonAsync($"/api/v1/endpoints/{endpoint}/canary", new { target = "2", percent = 10 })).EnsureSuccessStatusCode();
        return endpoint;
    }

    private async Task<string> NewMlflowModelWithVersionAsync()
    {
        var name = Unique("m");
        var model = await NewAsync("/api/v1/models", new { name });
        using var upload = Upload(model);
        (await Admin.SendAsync(upload)).EnsureSuccessStatusCode();
        return name;
    }

    private static HttpRequestMessage Upload(Guid model) =>
        new(HttpMethod.Post, $"/api/v1/models/{model}/versions/upload?fileName=model.onnx") { Content = new ByteArrayContent(TinyOnnxModel.Regression(2)) };

    private async Task<string> NewLoggedModelAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/logged-models", new { experiment_id = await NewMlflowExperimentAsync(), name = "model" });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("info").GetProperty("model_id").GetString()!;
    }

    private async Task<(string Experiment, string Trace)> NewTraceAsync()
    {
        var experiment = await NewMlflowExperimentAsync();
        var trace = "tr-" + Guid.NewGuid().ToString("N");
        (await Admin.PostAsJsonAsync("/api/3.0/mlflow/traces", new
        {
            trace = new { trace_info = new { trace_id = trace, trace_location = new { type = "MLFLOW_EXPERIMENT", mlflow_experiment = new { experiment_id = experiment } }, request_time = "2026-01-01T00:00:00Z", state = "OK" } },
        })).EnsureSuccessStatusCode();
        return (experiment, trace);
    }

    private async Task<string> NewMlflowExperimentAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/experiments/create", new { name = Unique("e") });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("experiment_id").GetString()!;
    }

    private async Task<string> NewMlflowRunAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/create", new { experiment_id = await NewMlflowExperimentAsync() });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
    }

    private async Task<string> NewMlflowModelAsync()
    {
        var name = Unique("m");
        (await Admin.PostAsJsonAsync("/api/2.0/mlflow/registered-models/create", new { name })).EnsureSuccessStatusCode();
        return name;
    }

    private async Task<object> GrantBodyAsync() => new { principalType = "User", principalId = await NewUserAsync(), level = "Read" };

    private async Task<HttpRequestMessage> GrantAsync(string collection, object seed) =>
        await Json("POST", $"{collection}/{await NewAsync(collection, seed)}/grants", await GrantBodyAsync());

    private async Task<HttpRequestMessage> RevokeAsync(string collection, object seed)
    {
        var id = await NewAsync(collection, seed);
        var grant = await NewAsync($"{collection}/{id}/grants", await GrantBodyAsync());
        return await Json("DELETE", $"{collection}/{id}/grants/{grant}");
    }

    private async Task<Guid> UserIdAsync(string userName) =>
        (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?q={userName}", JsonDefaults.Options)).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("id").GetGuid();
}
