using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Data;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Training;
using AiPlatform.Web.Tests.Builders;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>
/// Every built-in trainer × task × feature mix, at sizes that grow real trees: the ONNX export loads in ONNX Runtime,
/// is served through <c>/v2</c> by the platform (its metadata declaring exactly what inference returns), and answers
/// what the ML.NET model answers within the conversion report's tolerance.
/// </summary>
public sealed class OnnxParityMatrixTests(OnnxParityMatrixTests.Platform platform) : IClassFixture<OnnxParityMatrixTests.Platform>
{
    private const int Rows = 600;
    private const int Served = 32;

    public enum Mix
    {
        Numeric,
        LowCardinality,
        HighCardinality,
        Text,
        Missing,
    }

    public static TheoryData<TrainerAlgorithm, TrainingTask, Mix> Cases()
    {
        var cases = new TheoryData<TrainerAlgorithm, TrainingTask, Mix>();
        foreach (var trainer in Enum.GetValues<TrainerAlgorithm>())
        {
            foreach (var task in Enum.GetValues<TrainingTask>())
            {
                foreach (var mix in Enum.GetValues<Mix>())
                {
                    cases.Add(trainer, task, mix);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_export_loads_serves_through_v2_and_matches_mlnet(TrainerAlgorithm trainer, TrainingTask task, Mix mix)
    {
        var work = Directory.CreateTempSubdirectory("aip-parity-").FullName;
        try
        {
            var (csv, features, rows) = Generate(work, task, mix);
            var hyper = trainer switch
            {
                TrainerAlgorithm.LightGbm => new Dictionary<string, double> { ["numberOfIterations"] = 20 },
                TrainerAlgorithm.Linear => [],
                _ => new Dictionary<string, double> { ["numberOfTrees"] = 20 },
            };
            var spec = new BuiltInSpec(task, trainer, "label", features, hyper);
            var log = new StringBuilder();
            var outcome = await new MlNetTrainer().TrainAsync(csv, DatasetFormat.Csv, spec, Directory.CreateDirectory(Path.Combine(work, "run")).FullName, (line, _) =>
            {
                log.AppendLine(line);
                return Task.CompletedTask;
            }, default);
            var files = outcome.Artifacts.ToDictionary(a => a.Path, a => a.LocalFile);
            files.ShouldContainKey("model/model.onnx", "the pipeline exports to ONNX: " + log);
            var report = JsonSerializer.Deserialize<ConversionReport>(await File.ReadAllTextAsync(files["model/conversion_report.json"]), JsonSerializerOptions.Web)!;
            report.Passed.ShouldBeTrue($"conversion report: {string.Join(", ", report.MaxAbsDifference.Select(d => $"{d.Key}={d.Value}"))} over {report.Rows} rows; the training log:\n{log}");

            // ONNX Runtime accepts the graph (session creation is where the categorical-split export failed).
            var onnx = await File.ReadAllBytesAsync(files["model/model.onnx"]);
            using (var session = new InferenceSession(onnx))
            {
                session.OutputMetadata.Keys.ShouldAllBe(o => o == "PredictedLabel.output" || o == "Score.output" || o == "Probability.output");
            }

            // What ML.NET answers for the first rows.
            var ml = new MLContext(1);
            var model = ml.Model.Load(files["model/model.zip"], out _);
            var sample = rows.Take(Served).ToList();
            var scored = model.Transform(Load(ml, work, features, sample));
            var expected = new Dictionary<string, float[]>();
            foreach (var column in new[] { "Score", "Probability" })
            {
                if (scored.Schema.GetColumnOrNull(column) is { } c)
                {
                    expected[column + ".output"] = c.Type is VectorDataViewType
                        ? [.. scored.GetColumn<VBuffer<float>>(column).SelectMany(v => v.DenseValues())]
                        : [.. scored.GetColumn<float>(column)];
                }
            }

            // The same rows through the platform's /v2.
            var name = $"{trainer}-{task}-{mix}".ToLowerInvariant();
            var admin = platform.Admin;
            var modelId = JsonDocument.Parse(await (await admin.PostAsJsonAsync("/api/v1/models", new { name })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
            var upload = await admin.PostAsync($"/api/v1/models/{modelId}/versions/upload?fileName=model.onnx", new ByteArrayContent(onnx));
            upload.StatusCode.ShouldBe(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
            var deploy = await admin.PostAsJsonAsync("/api/v1/endpoints", new { name, modelId, target = "1" });
            deploy.StatusCode.ShouldBe(HttpStatusCode.Created, await deploy.Content.ReadAsStringAsync());
            JsonDocument.Parse(await deploy.Content.ReadAsStringAsync()).RootElement.GetProperty("endpoint").GetProperty("status").GetString().ShouldBe("Ready");

            var declared = JsonDocument.Parse(await admin.GetStringAsync($"/v2/models/{name}")).RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()!).ToList();
            // All the rows in one request: text featurization included, the export runs batches.
            var infer = await admin.PostAsync($"/v2/models/{name}/infer", new StringContent(Request(features, sample).ToJsonString(), Encoding.UTF8, "application/json"));
            var body = await infer.Content.ReadAsStringAsync();
            infer.StatusCode.ShouldBe(HttpStatusCode.OK, body);
            var outputs = JsonDocument.Parse(body).RootElement.GetProperty("outputs").EnumerateArray().ToList();
            outputs.Select(o => o.GetProperty("name").GetString()!).ShouldBe(declared, "every declared output is returned by default, and nothing else");

            foreach (var (output, want) in expected)
            {
                var got = outputs.Single(o => o.GetProperty("name").GetString() == output).GetProperty("data").EnumerateArray().Select(Number).ToArray();
                got.Length.ShouldBe(want.Length, output);
                var max = got.Zip(want, (a, e) => float.IsNaN(a) && float.IsNaN(e) ? 0 : Math.Abs((double)a - e)).Max();
                max.ShouldBeLessThanOrEqualTo(report.Tolerance, $"{output}: ONNX served through /v2 against ML.NET");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The <c>training</c> benchmark's data (100,000 customers; <c>plan</c> and <c>region</c> categorical, neither of them
    /// deciding the label): LightGBM split those one-hot columns as category sets, which ML.NET's exporter writes as
    /// nodes on feature -1, and ONNX Runtime refused the graph at session creation.
    /// </summary>
    [Fact]
    public async Task The_training_benchmarks_lightgbm_model_on_categorical_columns_exports_a_graph_that_loads()
    {
        var work = Directory.CreateTempSubdirectory("aip-parity-").FullName;
        try
        {
            var random = new Random(11);
            string[] plans = ["basic", "pro", "team"];
            string[] regions = ["north", "south", "east", "west", "central"];
            var csv = new StringBuilder("tenure,spend,visits,age,plan,region,support_calls,churned\n");
            for (var i = 0; i < 100_000; i++)
            {
                var tenure = random.Next(1, 72);
                var spend = random.NextDouble() * 120;
                var calls = random.Next(0, 8);
                var risk = (calls * 0.4) - (tenure * 0.05) - (spend * 0.01) + (random.NextDouble() * 1.5);
                csv.Append(CultureInfo.InvariantCulture, $"{tenure},{spend:F2},{random.Next(0, 40)},{random.Next(18, 80)},{plans[random.Next(3)]},{regions[random.Next(5)]},{calls},{(risk > 0.5 ? "yes" : "no")}\n");
            }

            var path = Path.Combine(work, "customers.csv");
            await File.WriteAllTextAsync(path, csv.ToString());
            var log = new StringBuilder();
            var spec = new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "visits", "age", "plan", "region", "support_calls"]);
            var outcome = await new MlNetTrainer().TrainAsync(path, DatasetFormat.Csv, spec, Directory.CreateDirectory(Path.Combine(work, "run")).FullName, (line, _) =>
            {
                log.AppendLine(line);
                return Task.CompletedTask;
            }, default);

            var files = outcome.Artifacts.ToDictionary(a => a.Path, a => a.LocalFile);
            using (var session = new InferenceSession(files["model/model.onnx"]))
            {
                session.OutputMetadata.Keys.ShouldBe(["PredictedLabel.output", "Score.output", "Probability.output"]);
            }

            var report = JsonSerializer.Deserialize<ConversionReport>(await File.ReadAllTextAsync(files["model/conversion_report.json"]), JsonSerializerOptions.Web)!;
            report.Passed.ShouldBeTrue(log.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A dataset whose label depends on a numeric column and on the mix's column, so trees split on both.</summary>
    private static (string Csv, string[] Features, List<string?[]> Rows) Generate(string work, TrainingTask task, Mix mix)
    {
        var random = new Random(7 + (int)mix);
        string[] words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta", "theta", "lambda", "iota", "rho"];
        var features = mix switch
        {
            Mix.Numeric => new[] { "n1", "n2" },
            Mix.Text => ["n1", "note"],
            _ => ["n1", "cat"],
        };
        var rows = new List<string?[]>();
        var csv = new StringBuilder(string.Join(",", features) + ",label\n");
        for (var i = 0; i < Rows; i++)
        {
            var n1 = random.NextDouble() * 10;
            string? second;
            double effect;
            switch (mix)
            {
                case Mix.Numeric:
                    var n2 = random.NextDouble() * 5;
                    second = n2.ToString("F3", CultureInfo.InvariantCulture);
                    effect = n2;
                    break;
                case Mix.LowCardinality:
                    var low = random.Next(7);
                    second = "c" + low;
                    effect = (low * 5 % 7) * 0.8;
                    break;
                case Mix.HighCardinality:
                    var high = random.Next(80);
                    second = "city-" + high;
                    effect = (high % 7) * 1.2;
                    break;
                case Mix.Text:
                    var a = random.Next(words.Length);
                    second = $"{words[a]} {words[random.Next(words.Length)]} {words[random.Next(words.Length)]} #{random.Next(1000)}";
                    effect = a < 4 ? 4 : 0;
                    break;
                default:
                    var group = random.Next(4);
                    second = random.Next(6) == 0 ? null : "g" + group;
                    effect = second is null ? 2 : group;
                    break;
            }

            var n1Text = mix == Mix.Missing && random.Next(8) == 0 ? null : n1.ToString("F3", CultureInfo.InvariantCulture);
            var signal = n1 + effect + (random.NextDouble() * 2);
            var label = task switch
            {
                TrainingTask.Regression => signal.ToString("F3", CultureInfo.InvariantCulture),
                TrainingTask.BinaryClassification => signal > 8 ? "yes" : "no",
                _ => signal < 6 ? "small" : signal < 10 ? "medium" : "large",
            };
            var row = new[] { n1Text, second };
            rows.Add(row);
            csv.Append(string.Join(",", row.Select(Quote))).Append(',').Append(label).Append('\n');
        }

        var path = Path.Combine(work, "data.csv");
        File.WriteAllText(path, csv.ToString());
        return (path, features, rows);
    }

    private static string Quote(string? value) => value is null ? string.Empty : value.Contains(',') || value.Contains('"') ? $"\"{value.Replace("\"", "\"\"")}\"" : value;

    private static bool IsNumeric(string feature) => feature is "n1" or "n2";

    /// <summary>The rows as ML.NET reads them: numbers as floats (missing: NaN), text as it is (missing: empty).</summary>
    private static IDataView Load(MLContext ml, string work, string[] features, List<string?[]> rows)
    {
        var path = Path.Combine(work, "sample.csv");
        File.WriteAllLines(path, [string.Join(",", features), .. rows.Select(r => string.Join(",", r.Select(Quote)))]);
        return ml.Data.LoadFromTextFile(path, new TextLoader.Options
        {
            HasHeader = true,
            Separators = [','],
            AllowQuoting = true,
            MissingRealsAsNaNs = true,
            Columns = [.. features.Select((f, i) => new TextLoader.Column(f, IsNumeric(f) ? DataKind.Single : DataKind.String, i))],
        });
    }

    private static JsonObject Request(string[] features, List<string?[]> rows)
    {
        var inputs = new JsonArray();
        for (var f = 0; f < features.Length; f++)
        {
            var data = new JsonArray();
            foreach (var row in rows)
            {
                data.Add(IsNumeric(features[f])
                    ? row[f] is { } number ? JsonValue.Create(float.Parse(number, CultureInfo.InvariantCulture)) : JsonValue.Create("NaN")
                    : JsonValue.Create(row[f] ?? string.Empty));
            }

            inputs.Add(new JsonObject { ["name"] = features[f], ["shape"] = new JsonArray(rows.Count, 1), ["datatype"] = IsNumeric(features[f]) ? "FP32" : "BYTES", ["data"] = data });
        }

        return new JsonObject { ["inputs"] = inputs };
    }

    private static float Number(JsonElement e) => e.ValueKind == JsonValueKind.String ? float.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetSingle();

    /// <summary>One platform for the whole matrix (each case deploys its own endpoint).</summary>
    public sealed class Platform : IAsyncLifetime
    {
        private readonly PlatformWebFactory _factory = new();

        public HttpClient Admin { get; private set; } = default!;

        public Task InitializeAsync()
        {
            Admin = _factory.CreateAdminClient();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync()
        {
            await _factory.DisposeAsync();
            _factory.DeleteData();
        }
    }
}
