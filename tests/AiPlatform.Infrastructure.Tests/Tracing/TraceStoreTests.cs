using AiPlatform.Core.Access;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracing;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Tracing;

/// <summary>Trace search, delete and the platform's own traces against a real database; once per provider.</summary>
public abstract class TraceStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private TraceService Traces => fixture.Get<TraceService>();

    [Fact]
    public async Task Filters_on_attributes_tags_and_metadata_translate_to_sql_and_order_by_status_name()
    {
        var experiment = await NewExperimentAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(TraceService.NewTraceId());
            await Traces.CreateAsync(experiment.MlflowId, new TraceInput(ids[i], "req-" + i, "q", "a", i == 1 ? TraceState.Error : i == 2 ? TraceState.InProgress : TraceState.Ok, 100 + i, 10 * i,
                new Dictionary<string, string> { [TraceService.TraceNameTag] = i % 2 == 0 ? "Predict" : "retrieve", ["team"] = "Search-" + i },
                new Dictionary<string, string> { [TraceService.SourceRunKey] = "run" + i }), None);
        }

        async Task<List<string>> Search(string? filter, params string[] orderBy) =>
            (await Traces.SearchAsync([experiment.MlflowId], filter, orderBy, 0, 100, None)).Page.Traces.Select(t => t.Info.TraceId).ToList();

        (await Search("trace.name LIKE 'Pre%'")).ShouldBe([ids[2], ids[0]]);
        (await Search("trace.name ILIKE 'pre%'")).ShouldBe([ids[2], ids[0]]);
        (await Search("tags.team ILIKE 'search-%' AND trace.execution_time_ms >= 10")).ShouldBe([ids[3], ids[2], ids[1]]);
        (await Search("metadata.`mlflow.sourceRun` = 'run3'")).ShouldBe([ids[3]]);
        (await Search("trace.run_id = 'run1'")).ShouldBe([ids[1]]);
        (await Search("trace.client_request_id = 'req-2'")).ShouldBe([ids[2]]);
        (await Search("tags.team != 'Search-0'")).ShouldBe([ids[3], ids[2], ids[1]]);
        (await Search(null, "status ASC", "timestamp_ms ASC")).ShouldBe([ids[1], ids[2], ids[0], ids[3]]);

        (await Traces.DeleteAsync(experiment.MlflowId, null, 101, null, None)).ShouldBe(2);
        (await Search(null)).ShouldBe([ids[3], ids[2]]);
    }

    [Fact]
    public async Task Purging_an_experiment_removes_its_traces_tags_metadata_and_spans()
    {
        var experiment = await NewExperimentAsync();
        var id = TraceService.NewTraceId();
        await Traces.CreateAsync(experiment.MlflowId, new TraceInput(id, null, null, null, TraceState.Ok, 1, 1, new Dictionary<string, string> { ["k"] = "v" }, new Dictionary<string, string> { ["m"] = "n" }), None);
        await Traces.SaveSpansAsync(experiment.MlflowId, id, """{"spans": []}""", None);

        var experiments = fixture.Get<ExperimentService>();
        await experiments.SetExperimentLifecycleAsync(experiment.Id, LifecycleStage.Deleted, None);
        await experiments.PurgeExperimentAsync(experiment.Id, None);

        (await fixture.Get<ITraceStore>().FindAsync(id, None)).ShouldBeNull();
        (await fixture.Get<ITraceStore>().FindSpansAsync(id, None)).ShouldBeNull();
    }

    [Fact]
    public async Task The_platform_writer_puts_a_built_trace_into_the_users_private_system_experiment()
    {
        var user = (await fixture.Get<IUserDirectory>().FindByNameAsync("admin", None))!;
        var trace = new TraceBuilder("chat.answer", "CHAIN", new { question = "hi" }, TimeProvider.System);
        var llm = trace.StartSpan("tiny-llama", "CHAT_MODEL", new { question = "hi" });
        llm.SetOutputs("hello").SetTokenUsage(3, 2).End();
        trace.End("hello");

        await fixture.Get<PlatformTraceWriter>().WriteAsync(user.Id, "admin", "chat", trace, None);
        await fixture.Get<PlatformTraceWriter>().WriteAsync(user.Id, "admin", "chat", new TraceBuilder("again", "CHAIN", null, TimeProvider.System), None);

        var experiment = (await fixture.Get<ITrackingStore>().FindExperimentByNameAsync(user.Id, PlatformTraceWriter.ExperimentName("admin"), None))!;
        (await fixture.Get<ITrackingStore>().ListExperimentTagsAsync([experiment.Id], None)).ShouldContain(t => t.Key == TraceService.SystemTag);
        var stored = (await fixture.Get<ITraceStore>().FindAsync(trace.TraceId, None))!;
        stored.Info.ExperimentId.ShouldBe(experiment.Id);
        stored.Info.TotalTokens.ShouldBe(5);
        stored.Info.Source.ShouldBe("chat");
        var spans = SpanView.Parse(await fixture.Get<ITraceStore>().FindSpansAsync(trace.TraceId, None));
        spans.Select(s => (s.Name, s.Depth)).ShouldBe([("chat.answer", 0), ("tiny-llama", 1)]);
        spans[1].TokenUsage.ShouldBe((3L, 2L, 5L));
        spans[1].Outputs.ShouldBe("hello");
    }

    [Fact]
    public async Task Submitted_traces_are_written_in_batches_each_with_its_tags_metadata_and_spans()
    {
        var user = (await fixture.Get<IUserDirectory>().FindByNameAsync("admin", None))!;
        var traces = Enumerable.Range(0, 30).Select(i =>
        {
            var trace = new TraceBuilder("app:batch", "CHAIN", new { i }, TimeProvider.System);
            trace.Tags["aiplatform.app"] = "batch";
            trace.Metadata["aiplatform.appRun"] = "run-" + i;
            trace.StartSpan("node", "TOOL", new { i }).SetOutputs(new { answer = "答案" + i }).End();
            trace.End(new { i });
            return trace;
        }).ToList();
        var writer = fixture.Get<PlatformTraceWriter>();
        // The first one directly: a failure of the batch write shows here rather than only in the log.
        await writer.WriteAsync(user.Id, "admin", "app", traces[0], None);
        traces.Skip(1).ToList().ForEach(t => writer.Submit(user.Id, "admin", "app", t));

        var store = fixture.Get<ITraceStore>();
        foreach (var (trace, i) in traces.Select((t, i) => (t, i)))
        {
            await Eventually.UntilAsync(async () => await store.FindAsync(trace.TraceId, None) is not null, $"the trace {i} to be written");
            var stored = (await store.FindAsync(trace.TraceId, None))!;
            stored.Info.Source.ShouldBe("app");
            stored.Tags.ShouldContainKeyAndValue("aiplatform.app", "batch");
            stored.Metadata.ShouldContainKeyAndValue("aiplatform.appRun", "run-" + i);
            SpanView.Parse(await store.FindSpansAsync(trace.TraceId, None))[1].Outputs!.ShouldContain("答案" + i);
        }
    }

    private async Task<Experiment> NewExperimentAsync()
    {
        var project = await fixture.Get<ProjectService>().CreateAsync("p" + Guid.NewGuid().ToString("N")[..6], null, None);
        return await fixture.Get<ExperimentService>().CreateExperimentAsync(project.Id, "e" + Guid.NewGuid().ToString("N")[..6], null, None);
    }
}

public sealed class SqliteTraceStoreTests(SqliteServicesFixture fixture) : TraceStoreTests<SqliteServicesFixture>(fixture);

public sealed class PostgresTraceStoreTests(PostgresServicesFixture fixture) : TraceStoreTests<PostgresServicesFixture>(fixture);
