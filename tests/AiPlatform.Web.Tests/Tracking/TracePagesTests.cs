using AiPlatform.Core.Access;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracing;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Features.Tracking.Traces;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Tracking;

/// <summary>The Traces tab of an experiment and the trace view.</summary>
public sealed class TracePagesTests : PageTestBase
{
    [Fact]
    public async Task The_traces_tab_lists_a_page_of_traces_filters_them_and_shows_filter_errors()
    {
        var (_, experiment) = await SeedAsync("bot", 30);

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));
        page.WaitForAssertion(() => page.FindAll(".mud-tab").Count.ShouldBe(2));
        await page.InvokeAsync(() => page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Traces")).Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=trace-link]").Count.ShouldBe(25));
        page.Markup.ShouldContain("1-25 of 30");
        page.FindAll("[data-testid=trace-link]")[0].TextContent.ShouldBe("call-29", "newest first");

        page.Find("input[data-testid=traces-filter]").Input("trace.status = 'ERROR'");
        await page.InvokeAsync(() => page.Find("[data-testid=traces-filter-apply]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=trace-link]").Select(a => a.TextContent).ShouldBe(["call-7"]));
        page.Find("[data-testid=trace-state]").TextContent.ShouldBe("Error");
        page.Find("[data-testid=trace-tokens]").TextContent.ShouldBe("17");
        page.Find("[data-testid=trace-duration]").TextContent.ShouldBe("1.50 s");
        page.Find("[data-testid=trace-request]").TextContent.ShouldBe("question 7");

        page.Find("input[data-testid=traces-filter]").Input("trace.color = 'red'");
        await page.InvokeAsync(() => page.Find("[data-testid=traces-filter-apply]").Click());
        page.WaitForAssertion(() => page.Markup.ShouldContain("invalid attribute"));
        page.Markup.ShouldContain("trace.color");
        page.Markup.ShouldContain("This filter cannot be used.");
        page.FindAll("[data-testid=trace-link]").ShouldBeEmpty();
        page.FindAll("[data-testid=traces-empty]").ShouldBeEmpty("a bad filter is not an empty experiment");

        page.Find("input[data-testid=traces-filter]").Input("trace.name = 'nothing like this'");
        await page.InvokeAsync(() => page.Find("[data-testid=traces-filter-apply]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=traces-no-match]").Count.ShouldBe(1));
        page.FindAll("[data-testid=traces-empty]").ShouldBeEmpty("a filter without a match is not an empty experiment");
        await page.InvokeAsync(() => page.Find("[data-testid=traces-filter-clear]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=trace-link]").Count.ShouldBe(25));
    }

    [Fact]
    public async Task The_trace_view_shows_the_span_tree_and_each_spans_inputs_outputs_timing_tokens_and_errors_as_text()
    {
        var (_, experiment) = await SeedAsync("agent", 1);
        var traceId = (await Get<TraceService>().SearchExperimentAsync(experiment.Id, null, 0, 10, default)).Traces.Single().Info.TraceId;
        await Get<TraceService>().SaveSpansAsync(experiment.MlflowId, traceId, Spans(traceId), default);

        var page = Render<TraceViewPage>(p => p.Add(x => x.TraceId, traceId));
        page.WaitForAssertion(() => page.FindAll("[data-testid=span-node]").Count.ShouldBe(2));
        page.Find("[data-testid=trace-title]").TextContent.ShouldBe("call-0");
        page.FindAll("[data-testid=span-name]").Select(s => s.TextContent).ShouldBe(["answer_question", "ChatCompletion"]);
        page.Find("[data-testid=span-title]").TextContent.ShouldBe("answer_question", "the root span is shown first");
        page.Find("[data-testid=span-inputs]").TextContent.ShouldContain("\"question\": \"<script>alert(1)</script>\"");
        page.Markup.ShouldNotContain("<script>alert(1)</script>", Case.Sensitive, "JSON is shown as text, never as markup");
        page.Find("[data-testid=trace-tokens]").TextContent.ShouldBe("—", "this trace has no token usage of its own");
        page.Find("[data-testid=span-tokens]").TextContent.ShouldContain("17 (12 → 5)");

        await page.InvokeAsync(() => page.FindAll("[data-testid=span-node]")[1].Click());
        page.WaitForAssertion(() => page.Find("[data-testid=span-title]").TextContent.ShouldBe("ChatCompletion"));
        page.Find("[data-testid=span-outputs]").TextContent.ShouldBe("An ML platform.");
        page.Find("[data-testid=span-tokens]").TextContent.ShouldContain("17 (12 → 5)");
        page.Find("[data-testid=span-error]").TextContent.ShouldBe("Rate limited");
        page.Find("[data-testid=span-event]").TextContent.ShouldContain("exception.message");
        page.Find("[data-testid=span-details]").TextContent.ShouldContain("+50 ms");
        page.FindAll("[data-testid=span-node]")[1].GetAttribute("style")!.ShouldContain("padding-left: 24px", Case.Sensitive, "a child is indented under its parent");
    }

    [Fact]
    public async Task Strangers_and_readers_of_someone_elses_private_llm_traces_see_not_found()
    {
        var (project, experiment) = await SeedAsync("shared", 1);
        var traceId = (await Get<TraceService>().SearchExperimentAsync(experiment.Id, null, 0, 10, default)).Traces.Single().Info.TraceId;
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("trace-reader", null, null, "Passw0rd-reader"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);

        SignIn(reader.Id, "trace-reader");
        var readable = Render<TraceViewPage>(p => p.Add(x => x.TraceId, traceId));
        readable.WaitForAssertion(() => readable.Find("[data-testid=trace-title]").TextContent.ShouldBe("call-0"));
        readable.Find("[data-testid=trace-no-spans]");

        // Users cannot set the mark (review 37 #4: it is reserved); the platform's writer sets it in the store.
        SignIn(AdminId, "admin");
        await Should.ThrowAsync<AiPlatform.Core.Common.ValidationException>(() => Get<ExperimentService>().SetExperimentTagAsync(experiment.Id, TraceService.SystemTag, TraceService.SystemTagValue, default));
        await Get<AiPlatform.Core.Tracking.ITrackingStore>().SetExperimentTagAsync(new AiPlatform.Core.Tracking.ExperimentTag { ExperimentId = experiment.Id, Key = TraceService.SystemTag, Value = TraceService.SystemTagValue }, DateTimeOffset.UtcNow, default);
        SignIn(reader.Id, "trace-reader");
        var hidden = Render<TraceViewPage>(p => p.Add(x => x.TraceId, traceId));
        hidden.WaitForAssertion(() => hidden.FindAll("[data-testid=trace-not-found]").Count.ShouldBe(1));
    }

    [Fact]
    public async Task A_users_own_llm_traces_experiment_opens_on_its_traces()
    {
        var trace = new TraceBuilder("chat.completions", "CHAT_MODEL", new { question = "hello" }, TimeProvider.System);
        trace.End(new { content = "hi" });
        await Get<PlatformTraceWriter>().WriteAsync(AdminId, "admin", "gateway", trace, default);
        var experiment = await Get<ExperimentService>().GetExperimentByNameAsync(PlatformTraceWriter.ExperimentName("admin"), default);

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=trace-link]").Count.ShouldBe(1), TimeSpan.FromSeconds(30));
        page.Find("[data-testid=traces-private]");

        var (_, ordinary) = await SeedAsync("ordinary", 1);
        var runsFirst = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, ordinary.Id));
        runsFirst.WaitForAssertion(() => runsFirst.FindAll(".mud-tab").Count.ShouldBe(2));
        runsFirst.FindAll("[data-testid=trace-link]").ShouldBeEmpty("an ordinary experiment opens on its runs");
    }

    [Fact]
    public async Task The_traces_tab_and_trace_states_speak_chinese()
    {
        var (_, experiment) = await SeedAsync("zh", 1);
        using var _ = InCulture("zh-CN");
        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));
        page.WaitForAssertion(() => page.FindAll(".mud-tab").Select(t => t.TextContent.Trim()).ShouldBe(["运行", "追踪"]));
        await page.InvokeAsync(() => page.FindAll(".mud-tab")[1].Click());
        page.WaitForAssertion(() => page.Find("[data-testid=trace-state]").TextContent.ShouldBe("成功"));
    }

    private async Task<(Project Project, Experiment Experiment)> SeedAsync(string name, int traces)
    {
        var project = await Get<ProjectService>().CreateAsync("genai-" + name, null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, name, null, default);
        var service = Get<TraceService>();
        for (var i = 0; i < traces; i++)
        {
            var metadata = new Dictionary<string, string>();
            if (i == 7)
            {
                metadata[TraceService.TokenUsageKey] = """{"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}""";
            }

            await service.CreateAsync(experiment.MlflowId, new TraceInput(
                TraceService.NewTraceId(), null, "question " + i, "answer " + i, i == 7 ? TraceState.Error : TraceState.Ok, 1_000_000 + (i * 1000), 1500,
                new Dictionary<string, string> { [TraceService.TraceNameTag] = "call-" + i }, metadata), default);
        }

        return (project, experiment);
    }

    private static string Spans(string traceId) => """
        {"spans": [
          {"trace_id": "q83vEjRWeJCrze8SNFZ4kA==", "span_id": "AAAAAAAAAAI=", "parent_span_id": "AAAAAAAAAAE=", "name": "ChatCompletion",
           "start_time_unix_nano": 1000050000000, "end_time_unix_nano": 1001000000000,
           "attributes": {"mlflow.traceRequestId": "\"TRACE_ID\"", "mlflow.spanType": "\"CHAT_MODEL\"", "mlflow.spanInputs": "{\"messages\": []}",
                          "mlflow.spanOutputs": "\"An ML platform.\"", "mlflow.chat.tokenUsage": "{\"input_tokens\": 12, \"output_tokens\": 5, \"total_tokens\": 17}"},
           "status": {"message": "Rate limited", "code": "STATUS_CODE_ERROR"},
           "events": [{"name": "exception", "time_unix_nano": 1001000000000, "attributes": {"exception.message": "Rate limited", "exception.type": "RateLimitError"}}]},
          {"trace_id": "q83vEjRWeJCrze8SNFZ4kA==", "span_id": "AAAAAAAAAAE=", "parent_span_id": null, "name": "answer_question",
           "start_time_unix_nano": 1000000000000, "end_time_unix_nano": 1001500000000,
           "attributes": {"mlflow.traceRequestId": "\"TRACE_ID\"", "mlflow.spanType": "\"CHAIN\"", "mlflow.spanInputs": "{\"question\": \"<script>alert(1)</script>\"}",
                          "mlflow.spanOutputs": "\"An ML platform.\"", "mlflow.chat.tokenUsage": "{\"input_tokens\": 12, \"output_tokens\": 5, \"total_tokens\": 17}"},
           "status": {"message": "", "code": "STATUS_CODE_OK"}, "events": []}
        ]}
        """.Replace("TRACE_ID", traceId);
}
