using System.Diagnostics.Metrics;
using System.Text.Json;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using Microsoft.Extensions.Time.Testing;

namespace AiPlatform.Core.Tests.Serving;

public sealed class ServingMetricsTests
{
    [Fact]
    public void Percentiles_errors_qps_and_batch_sizes_come_per_version_and_minute()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 30, TimeSpan.Zero));
        using var metrics = new ServingMetrics(new Meters(), time);
        for (var ms = 1; ms <= 100; ms++)
        {
            metrics.Record("churn", 1, ms % 10 == 0 ? "error" : "ok", TimeSpan.FromMilliseconds(ms));
        }

        metrics.RecordBatch("churn", 1, 8);
        metrics.RecordBatch("churn", 1, 4);
        time.Advance(TimeSpan.FromMinutes(1));
        metrics.Record("churn", 2, "ok", TimeSpan.FromMilliseconds(3));
        metrics.Record("other", 1, "ok", TimeSpan.FromMilliseconds(3));

        var summary = metrics.Summary("churn", TimeSpan.FromHours(1));
        summary.Select(s => s.Version).ShouldBe([1, 2]);
        var v1 = summary[0];
        (v1.Requests, v1.Errors).ShouldBe((100L, 10L));
        v1.P50Ms.ShouldBe(50, tolerance: 50 * 0.2);
        v1.P99Ms.ShouldBe(99, tolerance: 99 * 0.2);
        v1.P95Ms.ShouldBeGreaterThanOrEqualTo(v1.P50Ms);
        v1.MeanBatchSize.ShouldBe(6);
        v1.Qps.ShouldBe(100 / 90.0, tolerance: 0.01);

        var series = metrics.Series("churn", TimeSpan.FromHours(1));
        series.Select(p => (p.Version, p.Requests)).ShouldBe([(1, 100L), (2, 1L)]);
        series[0].Minute.ShouldBe(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));

        time.Advance(TimeSpan.FromHours(2));
        metrics.Summary("churn", TimeSpan.FromHours(1)).ShouldBeEmpty();
        metrics.Summary("churn", TimeSpan.FromDays(1)).Count.ShouldBe(2);
        metrics.Forget("churn");
        metrics.Summary("churn", TimeSpan.FromDays(1)).ShouldBeEmpty();
    }

    [Fact]
    public void Records_become_column_tensors_and_outputs_come_back_per_record()
    {
        var signature = new ModelSignature(
            [new TensorSpec("age", "FP32", [-1, 1]), new TensorSpec("plan", "BYTES", [-1, 1]), new TensorSpec("count", "INT64", [-1])],
            [new TensorSpec("Score.output", "FP32", [-1, 2]), new TensorSpec("age.output", "FP32", [-1, 1]), new TensorSpec("mlnet.x.unusedOutput", "INT64", [1, 1])]);
        var records = JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>("""[{"age": 31.5, "plan": "pro", "count": 2}, {"plan": 7, "count": 3}]""")!
            .Select(d => (IReadOnlyDictionary<string, JsonElement>)d).ToList();

        var inputs = RecordTensors.ToInputs(signature, records);
        inputs.Select(i => i.Shape.ToArray()).ShouldBe([[2, 1], [2, 1], [2]]);
        ((float[])inputs[0].Data)[0].ShouldBe(31.5f);
        float.IsNaN(((float[])inputs[0].Data)[1]).ShouldBeTrue("a missing number is NaN, as ML.NET's featurizer expects");
        ((string[])inputs[1].Data).ShouldBe(["pro", "7"]);
        ((long[])inputs[2].Data).ShouldBe([2L, 3L]);

        var outputs = RecordTensors.ToRecords(signature, [new InferTensor("Score.output", "FP32", [2, 2], new[] { 0.1f, 0.9f, 0.7f, 0.3f }), new InferTensor("age.output", "FP32", [2, 1], new[] { 1f, 2f }), new InferTensor("mlnet.x.unusedOutput", "INT64", [1, 1], new[] { 0L })], 2);
        outputs[1]["Score"].ShouldBe(new object[] { 0.7f, 0.3f });
        outputs[0].Keys.ShouldBe(["Score"]);

        Should.Throw<InferenceInputException>(() => RecordTensors.ToInputs(signature, [])).Message.ShouldContain("at least one");
        Should.Throw<InferenceInputException>(() => RecordTensors.ToInputs(signature, Parse("""[{"age": 1, "plan": "a", "count": 1.5}]"""))).Message.ShouldContain("'count' takes an integer");
        Should.Throw<InferenceInputException>(() => RecordTensors.ToInputs(signature, Parse("""[{"age": 1, "plan": "a"}]"""))).Message.ShouldContain("no value for input 'count'");
        Should.Throw<InferenceInputException>(() => RecordTensors.ToInputs(signature, Parse("""[{"agee": 1}]"""))).Message.ShouldContain("no input 'agee'");
    }

    private static List<IReadOnlyDictionary<string, JsonElement>> Parse(string json) =>
        [.. JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(json)!.Select(d => (IReadOnlyDictionary<string, JsonElement>)d)];

    private sealed class Meters : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
