using System.Text;
using System.Text.Json;
using AiPlatform.Core.Tracing;

namespace AiPlatform.Core.Tests.Tracing;

public sealed class SpanViewTests
{
    [Fact]
    public void A_deep_chain_of_spans_is_walked_without_recursion_and_cut_at_the_depth_limit()
    {
        // 50 000 levels: the old recursive walk needed one stack frame (with a LINQ enumerator) per level and died.
        const int levels = 50_000;
        var json = new StringBuilder("{\"spans\":[");
        for (var i = 0; i < levels; i++)
        {
            json.Append(i == 0 ? string.Empty : ",").Append("{\"span_id\":\"").Append(i).Append('"');
            if (i > 0)
            {
                json.Append(",\"parent_span_id\":\"").Append(i - 1).Append('"');
            }

            json.Append('}');
        }

        json.Append("]}");
        SpanTree? result = null;
        var thread = new Thread(() => result = SpanView.ParseTree(json.ToString()), 256 * 1024); // a small stack: recursion would overflow it
        thread.Start();
        thread.Join();

        result.ShouldNotBeNull();
        var tree = result!;
        tree.Spans.Count.ShouldBe(SpanView.MaxDepth);
        tree.Spans[^1].Depth.ShouldBe(SpanView.MaxDepth - 1);
        tree.Spans.Select(s => s.Id).ShouldBe(Enumerable.Range(0, SpanView.MaxDepth).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        tree.Hidden.ShouldBe(levels - SpanView.MaxDepth);
    }

    [Fact]
    public void Many_flat_spans_are_cut_at_the_span_limit_children_by_start_time()
    {
        var spans = Enumerable.Range(0, 30).Select(i => new { span_id = "s" + i, parent_span_id = i == 0 ? null : "s0", start_time_unix_nano = 100 - i }).ToList();
        var tree = SpanView.ParseTree(JsonSerializer.Serialize(new { spans }), maxSpans: 10);

        tree.Spans.Count.ShouldBe(10);
        tree.Hidden.ShouldBe(20);
        tree.Spans[0].Id.ShouldBe("s0");
        tree.Spans[1].Id.ShouldBe("s29", "children come by start time, earliest first");
    }

    [Fact]
    public void A_huge_attribute_is_cut_for_display()
    {
        var big = new string('x', SpanView.MaxShownValueLength * 2);
        var json = JsonSerializer.Serialize(new { spans = new[] { new { span_id = "a", attributes = new Dictionary<string, string> { ["mlflow.spanInputs"] = JsonSerializer.Serialize(big), ["k"] = "small" } } } });

        var span = SpanView.Parse(json).ShouldHaveSingleItem();

        span.Inputs!.Length.ShouldBeLessThanOrEqualTo(SpanView.MaxShownValueLength + SpanView.TruncatedMarker.Length);
        SpanView.Truncated(span.Inputs).ShouldBeTrue();
        SpanView.Truncated(span.Attributes.Single().Value).ShouldBeFalse();
    }

    [Fact]
    public void Platform_trace_attributes_are_capped_per_attribute_and_per_trace()
    {
        var trace = new TraceBuilder("call", "CHAT_MODEL", new { body = new string('y', TraceBuilder.MaxAttributeChars * 3) }, TimeProvider.System);
        for (var i = 0; i < 8; i++)
        {
            trace.StartSpan("s" + i, "TOOL", new string('z', TraceBuilder.MaxAttributeChars)).End();
        }

        trace.End("done");
        var json = trace.ToSpansJson();

        json.Length.ShouldBeLessThan(TraceBuilder.MaxTraceAttributeChars + (64 * 1024));
        using var doc = JsonDocument.Parse(json);
        var rootInputs = doc.RootElement.GetProperty("spans")[0].GetProperty("attributes").GetProperty("mlflow.spanInputs").GetString()!;
        rootInputs.Length.ShouldBeLessThan(TraceBuilder.MaxAttributeChars + 100);
        rootInputs.ShouldEndWith("[truncated by AiPlatform]\"");
    }
}
