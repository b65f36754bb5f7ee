using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>
/// MLflow 3.6's tracing calls replayed over HTTP, call for call as <c>mlflow/store/tracking/rest_store.py</c>,
/// <c>mlflow/tracing/export/mlflow_v3.py</c> and the HTTP artifact repository send them.
/// </summary>
public sealed class MlflowTraceApiTests : ApiTestBase
{
    private static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public async Task The_span_exporter_creates_a_trace_uploads_its_spans_and_get_trace_reads_both_back()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = await ExperimentAsync(mlflow, "agent");
        var runId = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        var traceId = NewTraceId();

        // mlflow.start_span / @mlflow.trace → MlflowV3SpanExporter._log_trace → TracingClient.start_trace → RestStore.start_trace:
        // POST /api/3.0/mlflow/traces {"trace": {"trace_info": TraceInfoV3}} (protobuf JSON: Timestamp and Duration as strings).
        var created = await SendAsync(HttpMethod.Post, "/api/3.0/mlflow/traces", """
            {"trace": {"trace_info": {
              "trace_id": "TRACE_ID",
              "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "EXPERIMENT_ID"}},
              "request_time": "2026-12-07T01:00:00.250Z",
              "execution_duration": "1.500s",
              "state": "OK",
              "request_preview": "{\"question\": \"What is MLflow?\"}",
              "response_preview": "\"An ML platform.\"",
              "trace_metadata": {"mlflow.trace_schema.version": "3", "mlflow.user": "laptop-user", "mlflow.sourceRun": "RUN_ID",
                                 "mlflow.trace.tokenUsage": "{\"input_tokens\": 12, \"output_tokens\": 5, \"total_tokens\": 17}"},
              "tags": {"mlflow.traceName": "answer_question"}
            }}}
            """.Replace("TRACE_ID", traceId).Replace("EXPERIMENT_ID", experimentId).Replace("RUN_ID", runId));
        var info = created.GetProperty("trace").GetProperty("trace_info");
        info.GetProperty("trace_id").GetString().ShouldBe(traceId);
        info.GetProperty("trace_location").GetProperty("mlflow_experiment").GetProperty("experiment_id").GetString().ShouldBe(experimentId);
        info.GetProperty("request_time").GetString().ShouldBe("2026-12-07T01:00:00.250Z");
        info.GetProperty("execution_duration").GetString().ShouldBe("1.500s");
        var location = info.GetProperty("tags").GetProperty("mlflow.artifactLocation").GetString()!;
        location.ShouldBe($"mlflow-artifacts:/{experimentId}/traces/{traceId}/artifacts");

        // TracingClient._upload_trace_data → get_artifact_repository_for_trace(trace_info) → HttpArtifactRepository.upload_trace_data:
        // PUT <tracking uri>/api/2.0/mlflow-artifacts/artifacts/<path of mlflow.artifactLocation>/traces.json
        var spans = SpansJson(traceId);
        var artifactUrl = "/api/2.0/mlflow-artifacts/artifacts/" + location["mlflow-artifacts:/".Length..] + "/traces.json";
        (await Admin.PutAsync(artifactUrl, new StringContent(spans, Encoding.UTF8, "application/octet-stream"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // MlflowClient.get_trace → RestStore.get_trace_info: GET /api/3.0/mlflow/traces/{trace_id} (fields as query), then download_trace_data.
        var got = (await SendAsync(HttpMethod.Get, $"/api/3.0/mlflow/traces/{traceId}?trace_id={traceId}", null)).GetProperty("trace").GetProperty("trace_info");
        got.GetProperty("state").GetString().ShouldBe("OK");
        got.GetProperty("trace_metadata").GetProperty("mlflow.sourceRun").GetString().ShouldBe(runId);
        got.GetProperty("tags").GetProperty("mlflow.traceName").GetString().ShouldBe("answer_question");
        got.GetProperty("request_preview").GetString().ShouldBe("{\"question\": \"What is MLflow?\"}");
        var downloaded = await Admin.GetStringAsync(artifactUrl);
        JsonDocument.Parse(downloaded).RootElement.GetProperty("spans").GetArrayLength().ShouldBe(2);
        downloaded.ShouldBe(spans);

        // The exporter retries a failed call: the same trace again replaces it instead of failing.
        await SendAsync(HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, traceId, 1_796_605_200_250, 1500, "OK", "answer_question", [], new() { ["mlflow.sourceRun"] = runId }));

        // search_traces(run_id=…) filters on the source run.
        var byRun = await SearchAsync(experimentId, $"trace.run_id = '{runId}'");
        byRun.GetProperty("traces").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Search_traces_filters_orders_and_pages_as_mlflow_does()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = await ExperimentAsync(mlflow, "search");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = NewTraceId();
            ids.Add(id);
            await CreateAsync(experimentId, id, requestTime: 1_000_000 + (i * 1000), durationMs: 100 * (5 - i), state: i == 3 ? "ERROR" : "OK", name: i % 2 == 0 ? "even" : "odd",
                tags: new() { ["team"] = i < 2 ? "search" : "ranking" }, metadata: new() { ["mlflow.user"] = "u" + i });
        }

        // MlflowClient.search_traces(locations=[experiment_id]) → RestStore.search_traces: POST /api/3.0/mlflow/traces/search.
        var all = await SearchAsync(experimentId, null);
        all.GetProperty("traces").EnumerateArray().Select(t => t.GetProperty("trace_id").GetString()).ShouldBe(Enumerable.Reverse(ids), "newest first by default");
        Ids(await SearchAsync(experimentId, "trace.status = 'ERROR'")).ShouldBe([ids[3]]);
        Ids(await SearchAsync(experimentId, "attributes.status != 'ERROR' AND tags.team = 'search'")).ShouldBe([ids[1], ids[0]]);
        Ids(await SearchAsync(experimentId, "trace.timestamp_ms >= 1002000 AND trace.execution_time_ms > 150")).ShouldBe([ids[3], ids[2]]);
        Ids(await SearchAsync(experimentId, "trace.name = 'odd'")).ShouldBe([ids[3], ids[1]]);
        Ids(await SearchAsync(experimentId, "metadata.`mlflow.user` = 'u4'")).ShouldBe([ids[4]]);
        Ids(await SearchAsync(experimentId, "request_metadata.`mlflow.user` LIKE 'u%' AND tags.team ILIKE 'RANK%'")).ShouldBe([ids[4], ids[3], ids[2]]);
        Ids(await SearchAsync(experimentId, null, ["execution_time_ms ASC"])).ShouldBe(Enumerable.Reverse(ids));
        Ids(await SearchAsync(experimentId, null, ["name ASC", "timestamp_ms ASC"])).ShouldBe([ids[0], ids[2], ids[4], ids[1], ids[3]]);
        Ids(await SearchAsync(experimentId, null, ["status ASC"]))[0].ShouldBe(ids[3], "ERROR sorts before OK, by name as in MLflow");
        Ids(await SearchAsync(experimentId, null, ["trace.status DESC", "timestamp_ms ASC"])).ShouldBe([ids[0], ids[1], ids[2], ids[4], ids[3]]);

        var first = await SearchAsync(experimentId, null, null, maxResults: 2);
        Ids(first).ShouldBe([ids[4], ids[3]]);
        var token = first.GetProperty("next_page_token").GetString()!;
        var second = await SearchAsync(experimentId, null, null, maxResults: 2, pageToken: token);
        Ids(second).ShouldBe([ids[2], ids[1]]);
        var third = await SearchAsync(experimentId, null, null, maxResults: 2, pageToken: second.GetProperty("next_page_token").GetString());
        Ids(third).ShouldBe([ids[0]]);
        third.TryGetProperty("next_page_token", out _).ShouldBeFalse();

        // The 2.x client: GET /api/2.0/mlflow/traces?experiment_ids=…
        var v2 = await mlflow.OkAsync(mlflow.GetAsync("traces", ("experiment_ids", experimentId), ("filter", "trace.status = 'OK'"), ("max_results", "10"), ("order_by", "timestamp_ms ASC")));
        v2.GetProperty("traces").EnumerateArray().Select(t => t.GetProperty("request_id").GetString()).ShouldBe([ids[0], ids[1], ids[2], ids[4]]);
        v2.GetProperty("traces")[0].GetProperty("timestamp_ms").GetInt64().ShouldBe(1_000_000);
        v2.GetProperty("traces")[0].GetProperty("execution_time_ms").GetInt64().ShouldBe(500);
    }

    [Fact]
    public async Task Trace_tags_are_set_and_deleted_and_delete_traces_removes_by_id_or_by_age()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = await ExperimentAsync(mlflow, "tags");
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(NewTraceId());
            await CreateAsync(experimentId, ids[i], requestTime: 5_000 + i, durationMs: 1, state: "OK", name: "t", tags: [], metadata: []);
        }

        // MlflowClient.set_trace_tag → RestStore.set_trace_tag: PATCH /api/2.0/mlflow/traces/{id}/tags {"key", "value"}.
        await SendAsync(HttpMethod.Patch, $"/api/2.0/mlflow/traces/{ids[0]}/tags", "{\"key\": \"verdict\", \"value\": \"good\"}");
        Ids(await SearchAsync(experimentId, "tags.verdict = 'good'")).ShouldBe([ids[0]]);
        // MlflowClient.delete_trace_tag → RestStore.delete_trace_tag: DELETE /api/2.0/mlflow/traces/{id}/tags with {"key"} as JSON.
        await SendAsync(HttpMethod.Delete, $"/api/2.0/mlflow/traces/{ids[0]}/tags", "{\"key\": \"verdict\"}");
        Ids(await SearchAsync(experimentId, "tags.verdict = 'good'")).ShouldBeEmpty();
        var missing = await RawAsync(Admin, HttpMethod.Delete, $"/api/2.0/mlflow/traces/{ids[0]}/tags", "{\"key\": \"verdict\"}");
        missing.Status.ShouldBe(404, missing.Body.ToString());

        // MlflowClient.delete_traces(experiment_id, trace_ids=[…]) → POST /api/2.0/mlflow/traces/delete-traces {"experiment_id", "request_ids"}.
        var byId = await SendAsync(HttpMethod.Post, "/api/2.0/mlflow/traces/delete-traces", JsonSerializer.Serialize(new { experiment_id = experimentId, request_ids = new[] { ids[3] } }));
        byId.GetProperty("traces_deleted").GetInt32().ShouldBe(1);
        // delete_traces(experiment_id, max_timestamp_millis=…, max_traces=1): the oldest first.
        var byAge = await SendAsync(HttpMethod.Post, "/api/2.0/mlflow/traces/delete-traces", JsonSerializer.Serialize(new { experiment_id = experimentId, max_timestamp_millis = 5_001, max_traces = 1 }));
        byAge.GetProperty("traces_deleted").GetInt32().ShouldBe(1);
        Ids(await SearchAsync(experimentId, null)).ShouldBe([ids[2], ids[1]]);
        (await RawAsync(Admin, HttpMethod.Get, $"/api/3.0/mlflow/traces/{ids[0]}", null)).Status.ShouldBe(404);
    }

    [Fact]
    public async Task The_v2_client_starts_ends_and_reads_a_trace()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = await ExperimentAsync(mlflow, "v2");

        // 2.x RestStore.start_trace: POST /api/2.0/mlflow/traces.
        var started = (await mlflow.OkAsync(mlflow.PostAsync("traces", $$"""
            {"experiment_id": "{{experimentId}}", "timestamp_ms": 1700000000000, "request_metadata": [{"key": "mlflow.user", "value": "u"}], "tags": [{"key": "mlflow.traceName", "value": "predict"}]}
            """))).GetProperty("trace_info");
        var id = started.GetProperty("request_id").GetString()!;
        started.GetProperty("status").GetString().ShouldBe("IN_PROGRESS");

        // 2.x RestStore.end_trace: PATCH /api/2.0/mlflow/traces/{request_id}.
        var ended = (await SendAsync(HttpMethod.Patch, $"/api/2.0/mlflow/traces/{id}", "{\"timestamp_ms\": 1700000000750, \"status\": \"ERROR\", \"request_metadata\": [{\"key\": \"mlflow.traceInputs\", \"value\": \"{}\"}], \"tags\": [{\"key\": \"extra\", \"value\": \"1\"}]}")).GetProperty("trace_info");
        ended.GetProperty("execution_time_ms").GetInt64().ShouldBe(750);
        ended.GetProperty("status").GetString().ShouldBe("ERROR");

        // 2.x RestStore.get_trace_info: GET /api/2.0/mlflow/traces/{request_id}/info.
        var info = (await mlflow.OkAsync(mlflow.GetAsync($"traces/{id}/info"))).GetProperty("trace_info");
        info.GetProperty("experiment_id").GetString().ShouldBe(experimentId);
        Pairs(info.GetProperty("request_metadata")).ShouldContainKeyAndValue("mlflow.user", "u");
        Pairs(info.GetProperty("request_metadata")).ShouldContainKey("mlflow.traceInputs");
        Pairs(info.GetProperty("tags")).ShouldContainKeyAndValue("extra", "1");
        Pairs(info.GetProperty("tags")).ShouldContainKeyAndValue("mlflow.traceName", "predict");
    }

    [Fact]
    public async Task Traces_take_their_experiments_rights_read_grantees_and_read_only_tokens_cannot_write_and_anonymous_callers_are_refused()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var project = (await (await alice.PostAsJsonAsync("/api/v1/projects", new { name = "genai" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var mlflowAlice = new MlflowClient(alice);
        var experimentId = (await mlflowAlice.OkAsync(mlflowAlice.PostAsync("experiments/create", $$"""{"name": "bot", "tags": [{"key": "aiplatform.project", "value": "{{project.Id}}"}]}"""))).GetProperty("experiment_id").GetString()!;
        var traceId = NewTraceId();
        (await RawAsync(alice, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, traceId, 1000, 10, "OK", "t", [], []))).Status.ShouldBe(200);
        var artifact = $"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts/traces.json";
        (await alice.PutAsync(artifact, new StringContent(SpansJson(traceId)))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A stranger: the trace does not exist for them.
        (await RawAsync(bob, HttpMethod.Get, $"/api/3.0/mlflow/traces/{traceId}", null)).Status.ShouldBe(404);
        (await RawAsync(bob, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId))).Status.ShouldBe(404);
        (await bob.GetAsync(artifact)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await RawAsync(bob, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, NewTraceId(), 1, 1, "OK", "x", [], []))).Status.ShouldBe(404);

        // A Read grantee reads and searches, and may not create, tag, upload or delete.
        var bobId = (await bob.GetFromJsonAsync<JsonElement>("/api/v1/me", JsonDefaults.Options)).GetProperty("id").GetGuid();
        (await alice.PostAsJsonAsync($"/api/v1/projects/{project.Id}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await RawAsync(bob, HttpMethod.Get, $"/api/3.0/mlflow/traces/{traceId}", null)).Status.ShouldBe(200);
        (await RawAsync(bob, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId))).Body.GetProperty("traces").GetArrayLength().ShouldBe(1);
        (await bob.GetStringAsync(artifact)).ShouldContain("\"spans\"");
        await ShouldBeDeniedAsync(RawAsync(bob, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, NewTraceId(), 1, 1, "OK", "x", [], [])));
        await ShouldBeDeniedAsync(RawAsync(bob, HttpMethod.Patch, $"/api/2.0/mlflow/traces/{traceId}/tags", "{\"key\": \"k\", \"value\": \"v\"}"));
        await ShouldBeDeniedAsync(RawAsync(bob, HttpMethod.Post, "/api/2.0/mlflow/traces/delete-traces", JsonSerializer.Serialize(new { experiment_id = experimentId, request_ids = new[] { traceId } })));
        (await bob.PutAsync(artifact, new StringContent("{}"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // A read-only token of the owner reads but does not write.
        var token = await CreateTokenAsync(alice, "Read");
        var readOnly = Factory.CreateClient();
        readOnly.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await RawAsync(readOnly, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId))).Status.ShouldBe(200);
        (await RawAsync(readOnly, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, NewTraceId(), 1, 1, "OK", "x", [], []))).Status.ShouldBe(403);
        (await RawAsync(readOnly, HttpMethod.Post, "/api/2.0/mlflow/traces/delete-traces", JsonSerializer.Serialize(new { experiment_id = experimentId, max_timestamp_millis = 5000 }))).Status.ShouldBe(403);
        (await RawAsync(readOnly, HttpMethod.Patch, $"/api/2.0/mlflow/traces/{traceId}/tags", "{\"key\": \"k\", \"value\": \"v\"}")).Status.ShouldBe(403);

        // Nobody signed in: 401.
        var anonymous = Factory.CreateClient();
        (await anonymous.PostAsync("/api/3.0/mlflow/traces/search", new StringContent(Search(experimentId), Encoding.UTF8, "application/json"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync($"/api/3.0/mlflow/traces/{traceId}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync(artifact)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        Ids((await RawAsync(alice, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId))).Body).ShouldBe([traceId], "nothing was written by the refused calls");
    }

    [Fact]
    public async Task Bad_input_is_refused_with_mlflows_error_codes()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = await ExperimentAsync(mlflow, "bad");
        var traceId = NewTraceId();
        await CreateAsync(experimentId, traceId, 1, 1, "OK", "t", [], []);

        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", "{\"trace\": {}}"), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, "../../etc", 1, 1, "OK", "t", [], [])), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, NewTraceId(), 1, 1, "DONE", "t", [], [])), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson("424242", NewTraceId(), 1, 1, "OK", "t", [], [])), 404, "RESOURCE_DOES_NOT_EXIST");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", "{not json"), 400, "BAD_REQUEST");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId, "trace.status = 'DONE'")), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId, "trace.timestamp_ms > 'yesterday'")), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId, "tags.a = 'x' OR tags.b = 'y'")), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces/search", JsonSerializer.Serialize(new { locations = Array.Empty<object>() })), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces/search", JsonSerializer.Serialize(new { locations = new[] { Location(experimentId) }, order_by = new[] { "color ASC" } })), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/2.0/mlflow/traces/delete-traces", JsonSerializer.Serialize(new { experiment_id = experimentId, max_timestamp_millis = 1, request_ids = new[] { traceId } })), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/2.0/mlflow/traces/delete-traces", JsonSerializer.Serialize(new { experiment_id = experimentId })), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Patch, $"/api/2.0/mlflow/traces/{traceId}/tags", "{\"value\": \"v\"}"), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Get, $"/api/3.0/mlflow/traces/{NewTraceId()}", null), 404, "RESOURCE_DOES_NOT_EXIST");

        var elsewhere = $"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts/other.bin";
        (await Admin.PutAsync(elsewhere, new StringContent("x"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var notJson = $"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts/traces.json";
        (await Admin.PutAsync(notJson, new StringContent("not json"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Admin.GetAsync(notJson)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no spans were uploaded");
        var otherExperiment = await ExperimentAsync(mlflow, "other");
        (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{otherExperiment}/traces/{traceId}/artifacts/traces.json", new StringContent("{}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the trace is in another experiment");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(otherExperiment, traceId, 1, 1, "OK", "t", [], [])), 400, "RESOURCE_ALREADY_EXISTS");
    }

    [Fact]
    public async Task Review37_the_system_tag_is_reserved_times_are_bounded_uploads_are_capped_and_conflicts_do_not_name_the_experiment()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = await ExperimentAsync(mlflow, "review37");
        var traceId = NewTraceId();
        await CreateAsync(experimentId, traceId, 1000, 10, "OK", "t", [], []);

        // #4: nobody, admins included, sets, changes or removes a tag key starting with 'aiplatform.system'.
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/2.0/mlflow/experiments/set-experiment-tag", JsonSerializer.Serialize(new { experiment_id = experimentId, key = "aiplatform.system", value = "llm-traces" })), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/2.0/mlflow/experiments/delete-experiment-tag", JsonSerializer.Serialize(new { experiment_id = experimentId, key = "aiplatform.system" })), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/2.0/mlflow/experiments/create", """{"name": "sneaky", "tags": [{"key": "aiplatform.system", "value": "llm-traces"}]}"""), 400, "INVALID_PARAMETER_VALUE");
        var platformId = (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/experiments?q=review37", JsonDefaults.Options)).GetProperty("items")[0].GetProperty("id").GetGuid();
        var put = await Admin.PutAsJsonAsync($"/api/v1/experiments/{platformId}/tags/aiplatform.system", new { value = "x" }, JsonDefaults.Options);
        put.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await put.Content.ReadAsStringAsync());
        (await Admin.DeleteAsync($"/api/v1/experiments/{platformId}/tags/aiplatform.system")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // #7: times out of 0 … 253402300799999 ms and oversized durations are refused; search keeps working.
        var json = JsonSerializer.Deserialize<System.Text.Json.Nodes.JsonObject>(TraceJson(experimentId, NewTraceId(), 1, 1, "OK", "t", [], []))!;
        json["trace"]!["trace_info"]!["request_time"] = long.MaxValue;
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", json.ToJsonString()), 400, "INVALID_PARAMETER_VALUE");
        json["trace"]!["trace_info"]!["request_time"] = -1;
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", json.ToJsonString()), 400, "INVALID_PARAMETER_VALUE");
        json["trace"]!["trace_info"]!["request_time"] = 1000;
        json["trace"]!["trace_info"]!["execution_duration"] = "99999999999999999999999999s";
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", json.ToJsonString()), 400, "INVALID_PARAMETER_VALUE");
        await ShouldFailAsync(RawAsync(Admin, HttpMethod.Patch, $"/api/2.0/mlflow/traces/{traceId}", JsonSerializer.Serialize(new { timestamp_ms = long.MaxValue, status = "OK" })), 400, "INVALID_PARAMETER_VALUE");
        Ids(await SearchAsync(experimentId, null)).ShouldBe([traceId]);

        // #1: an upload of more spans than allowed is refused.
        var spans = JsonSerializer.Serialize(new { spans = Enumerable.Range(0, AiPlatform.Core.Tracing.TraceService.MaxSpans + 1).Select(i => new { span_id = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }) });
        var upload = await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts/traces.json", new StringContent(spans));
        upload.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await upload.Content.ReadAsStringAsync());

        // #11: an id taken elsewhere is a plain conflict that does not say where.
        var other = await ExperimentAsync(mlflow, "review37-other");
        var (status, body) = await RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(other, traceId, 1, 1, "OK", "t", [], []));
        status.ShouldBe(400);
        body.GetProperty("error_code").GetString().ShouldBe("RESOURCE_ALREADY_EXISTS");
        body.GetProperty("message").GetString()!.ShouldNotContain("another experiment");
    }

    // ---- helpers ----

    internal static string NewTraceId() => "tr-" + Guid.NewGuid().ToString("N");

    private static async Task<string> ExperimentAsync(MlflowClient mlflow, string name) =>
        (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name }))).GetProperty("experiment_id").GetString()!;

    private Task CreateAsync(string experimentId, string traceId, long requestTime, long durationMs, string state, string name, Dictionary<string, string> tags, Dictionary<string, string> metadata) =>
        SendAsync(HttpMethod.Post, "/api/3.0/mlflow/traces", TraceJson(experimentId, traceId, requestTime, durationMs, state, name, tags, metadata));

    private static string TraceJson(string experimentId, string traceId, long requestTime, long durationMs, string state, string name, Dictionary<string, string> tags, Dictionary<string, string> metadata) =>
        JsonSerializer.Serialize(new
        {
            trace = new
            {
                trace_info = new
                {
                    trace_id = traceId,
                    trace_location = Location(experimentId),
                    request_time = DateTimeOffset.FromUnixTimeMilliseconds(requestTime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                    execution_duration = FormattableString.Invariant($"{durationMs / 1000.0:0.000}s"),
                    state,
                    trace_metadata = metadata,
                    tags = new Dictionary<string, string>(tags) { ["mlflow.traceName"] = name },
                },
            },
        });

    private static object Location(string experimentId) => new { type = "MLFLOW_EXPERIMENT", mlflow_experiment = new { experiment_id = experimentId } };

    private static string Search(string experimentId, string? filter = null, string[]? orderBy = null, int? maxResults = null, string? pageToken = null) =>
        JsonSerializer.Serialize(new { locations = new[] { Location(experimentId) }, filter, max_results = maxResults ?? 100, order_by = orderBy, page_token = pageToken }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });

    private Task<JsonElement> SearchAsync(string experimentId, string? filter, string[]? orderBy = null, int? maxResults = null, string? pageToken = null) =>
        SendAsync(HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experimentId, filter, orderBy, maxResults, pageToken));

    private static List<string> Ids(JsonElement page) =>
        page.GetProperty("traces").EnumerateArray().Select(t => t.GetProperty("trace_id").GetString()!).ToList();

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, string? json)
    {
        var (status, body) = await RawAsync(Admin, method, url, json);
        status.ShouldBe(200, body.ToString());
        return body;
    }

    internal static async Task<(int Status, JsonElement Body)> RawAsync(HttpClient client, HttpMethod method, string url, string? json)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task ShouldFailAsync(Task<(int Status, JsonElement Body)> call, int status, string code)
    {
        var (actual, body) = await call;
        actual.ShouldBe(status, body.ToString());
        body.GetProperty("error_code").GetString().ShouldBe(code, body.ToString());
    }

    private static async Task ShouldBeDeniedAsync(Task<(int Status, JsonElement Body)> call) => await ShouldFailAsync(call, 403, "PERMISSION_DENIED");

    private static Dictionary<string, string> Pairs(JsonElement array) =>
        array.EnumerateArray().ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString()!);

    private static async Task<string> CreateTokenAsync(HttpClient client, string scope)
    {
        var created = await client.PostAsJsonAsync("/api/v1/me/tokens", new { name = "mlflow-" + scope, scope, expiresInDays = 7 }, JsonDefaults.Options);
        return (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!.Value;
    }

    /// <summary>The traces.json the client uploads: TraceData.to_dict(), spans as Span.to_dict() (ids base64, attributes JSON text).</summary>
    internal static string SpansJson(string traceId) => $$"""
        {"spans": [
          {"trace_id": "q83vEjRWeJCrze8SNFZ4kA==", "span_id": "AAAAAAAAAAE=", "trace_state": "", "parent_span_id": null, "name": "answer_question",
           "start_time_unix_nano": 1796605200250000000, "end_time_unix_nano": 1796605201750000000,
           "attributes": {"mlflow.traceRequestId": "\"{{traceId}}\"", "mlflow.spanType": "\"CHAIN\"", "mlflow.spanInputs": "{\"question\": \"What is MLflow?\"}", "mlflow.spanOutputs": "\"An ML platform.\""},
           "status": {"message": "", "code": "STATUS_CODE_OK"}, "events": []},
          {"trace_id": "q83vEjRWeJCrze8SNFZ4kA==", "span_id": "AAAAAAAAAAI=", "trace_state": "", "parent_span_id": "AAAAAAAAAAE=", "name": "ChatCompletion",
           "start_time_unix_nano": 1796605200300000000, "end_time_unix_nano": 1796605201700000000,
           "attributes": {"mlflow.traceRequestId": "\"{{traceId}}\"", "mlflow.spanType": "\"CHAT_MODEL\"", "mlflow.spanInputs": "{\"messages\": [{\"role\": \"user\", \"content\": \"What is MLflow?\"}]}",
                          "mlflow.spanOutputs": "\"An ML platform.\"", "mlflow.chat.tokenUsage": "{\"input_tokens\": 12, \"output_tokens\": 5, \"total_tokens\": 17}"},
           "status": {"message": "", "code": "STATUS_CODE_OK"}, "events": []}
        ]}
        """;
}
