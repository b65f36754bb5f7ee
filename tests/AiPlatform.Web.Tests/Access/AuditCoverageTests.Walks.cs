using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.E2E.Tests;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Access;

public sealed partial class AuditCoverageTests
{
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

        // App secrets for HTTP nodes' headers.
        ["PUT /api/v1/apps/{id}/secrets/{name}"] = async () => await Json("PUT", $"/api/v1/apps/{await NewAsync("/api/v1/apps", NewApp())}/secrets/WALKED", new { value = "walked-value", hosts = new[] { "api.example.com" } }),
        ["DELETE /api/v1/apps/{id}/secrets/{name}"] = async () =>
        {
            var app = await NewAsync("/api/v1/apps", NewApp());
            (await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/WALKED", new { value = "walked-value", hosts = new[] { "api.example.com" } }, JsonDefaults.Options)).EnsureSuccessStatusCode();
            return await Json("DELETE", $"/api/v1/apps/{app}/secrets/WALKED");
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
}
