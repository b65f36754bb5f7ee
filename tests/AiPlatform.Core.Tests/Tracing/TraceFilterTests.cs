using AiPlatform.Core.Common;
using AiPlatform.Core.Tracing;

namespace AiPlatform.Core.Tests.Tracing;

public sealed class TraceFilterTests
{
    [Fact]
    public void Parses_mlflows_trace_attributes_tags_and_metadata_with_their_prefixes()
    {
        var clauses = TraceFilter.Parse("trace.status = 'ERROR' AND attributes.timestamp_ms >= 1700 and trace.execution_time_ms < 50 AND trace.name LIKE 'pred%' AND tags.team = 'x' AND metadata.`mlflow.sourceRun` = 'r1' AND request_metadata.k ILIKE 'V%'");

        clauses.ShouldBe(
        [
            new TraceClause(TraceField.Status, null, "=", "Error"),
            new TraceClause(TraceField.Timestamp, null, ">=", 1700L),
            new TraceClause(TraceField.ExecutionTime, null, "<", 50L),
            new TraceClause(TraceField.Name, null, "LIKE", "pred%"),
            new TraceClause(TraceField.Tag, "team", "=", "x"),
            new TraceClause(TraceField.Metadata, "mlflow.sourceRun", "=", "r1"),
            new TraceClause(TraceField.Metadata, "k", "ILIKE", "V%"),
        ]);
    }

    [Theory]
    [InlineData("trace.status = 'DONE'")]
    [InlineData("trace.status LIKE 'OK'")]
    [InlineData("trace.timestamp_ms > 'yesterday'")]
    [InlineData("trace.color = 'red'")]
    [InlineData("tags.a = 'x' OR tags.b = 'y'")]
    [InlineData("tags.a > 'x'")]
    [InlineData("tags. = 'x'")]
    public void Refuses_what_mlflow_refuses(string filter) =>
        Should.Throw<ValidationException>(() => TraceFilter.Parse(filter)).Errors.ShouldContainKey("filter");

    [Fact]
    public void Order_by_takes_mlflows_keys_and_directions()
    {
        TraceFilter.ParseOrderBy(["timestamp_ms DESC", "trace.execution_time_ms", "attributes.status ASC", "name desc"]).ShouldBe(
        [
            new TraceOrder(TraceField.Timestamp, false),
            new TraceOrder(TraceField.ExecutionTime, true),
            new TraceOrder(TraceField.Status, true),
            new TraceOrder(TraceField.Name, false),
        ]);
        Should.Throw<ValidationException>(() => TraceFilter.ParseOrderBy(["colour ASC"]));
        Should.Throw<ValidationException>(() => TraceFilter.ParseOrderBy(["name sideways"]));
    }

    [Fact]
    public void The_span_builder_writes_mlflows_span_json_that_the_viewer_reads_back_as_a_tree()
    {
        var trace = new TraceBuilder("agent", "AGENT", new { q = "hi" }, TimeProvider.System);
        var tool = trace.StartSpan("search", "TOOL", new { query = "hi" });
        var llm = trace.StartSpan("llm", "CHAT_MODEL", null, tool);
        llm.SetTokenUsage(7, 3).RecordError("Timeout", "took too long").End(TraceState.Error, "took too long");
        tool.End();
        trace.End(new { answer = "hello" });

        trace.TraceId.ShouldStartWith("tr-");
        trace.TokenUsage.ShouldBe((7L, 3L));
        var spans = SpanView.Parse(trace.ToSpansJson());
        spans.Select(s => (s.Name, s.SpanType, s.Depth)).ShouldBe([("agent", "AGENT", 0), ("search", "TOOL", 1), ("llm", "CHAT_MODEL", 2)]);
        spans[0].Outputs!.ShouldContain("\"answer\": \"hello\"");
        spans[2].State.ShouldBe(TraceState.Error);
        spans[2].StatusMessage.ShouldBe("took too long");
        spans[2].Events.Single().Attributes.ShouldContain(new KeyValuePair<string, string>("exception.message", "took too long"));
        spans[2].TokenUsage.ShouldBe((7L, 3L, 10L));
        SpanView.Parse("not json").ShouldBeEmpty();
    }
}
