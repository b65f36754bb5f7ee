using AiPlatform.Infrastructure.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Transforms.Text;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>
/// ML.NET's ONNX export of free-text featurization with a multiclass label, as the built-in trainer writes it (placeholder
/// outputs dropped, then <see cref="OnnxTextBatch"/>): one ONNX Runtime call over many rows, texts of different token counts
/// and empty ones included, answers what ML.NET answers. As ML.NET exports it, that call fails (the word tokens of all the
/// rows go into one row) and so does even a single row (LabelEncoder buffer reuse planned on wrong declared shapes).
/// </summary>
public sealed class OnnxTextBatchTests
{
    private static readonly string[] Words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

    [Fact]
    public void A_multiclass_text_model_runs_a_batch_and_matches_mlnet()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 300).Select(i =>
        {
            var c = random.Next(4);
            var words = new[] { Words[c] }.Concat(Enumerable.Range(0, random.Next(6)).Select(_ => Words[random.Next(Words.Length)]));
            return new Row { Label = "c" + c, N1 = (float)random.NextDouble(), Note = i % 17 == 5 ? string.Empty : string.Join(' ', words) + " #" + random.Next(9) };
        }).ToList();
        var ml = new MLContext(1);
        var data = ml.Transforms.Conversion.MapValueToKey(nameof(Row.Label)).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var trained = ml.Transforms.Text.FeaturizeText(nameof(Row.Note), new TextFeaturizingEstimator.Options { CaseMode = TextNormalizingEstimator.CaseMode.None, KeepDiacritics = true, KeepPunctuations = true, KeepNumbers = true }, nameof(Row.Note))
            .Append(ml.Transforms.Concatenate("Features", nameof(Row.N1), nameof(Row.Note)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
            .Fit(data);
        var model = trained.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(trained.Transform(data)));
        var features = ml.Data.LoadFromEnumerable(rows.Select(r => new Features { N1 = r.N1, Note = r.Note }));
        using var exported = new MemoryStream();
        ml.Model.ConvertToOnnx(model, features, exported, ["PredictedLabel", "Score"]);
        var onnx = OnnxTextBatch.Fix(OnnxGraphOutputs.Keep(exported.ToArray(), o => !o.EndsWith(".unusedOutput", StringComparison.Ordinal)));

        var sample = rows.Take(40).ToList();
        var expected = model.Transform(ml.Data.TakeRows(features, sample.Count));
        using var session = new InferenceSession(onnx);
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor(nameof(Row.N1), new DenseTensor<float>(sample.Select(r => r.N1).ToArray(), [sample.Count, 1])),
            NamedOnnxValue.CreateFromTensor(nameof(Row.Note), new DenseTensor<string>(sample.Select(r => r.Note).ToArray(), [sample.Count, 1])),
        ]);

        var score = results.Single(r => r.Name == "Score.output").AsTensor<float>();
        score.Dimensions.ToArray().ShouldBe(new[] { sample.Count, 4 });
        var want = expected.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        score.ToArray().Zip(want, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
        results.Single(r => r.Name == "PredictedLabel.output").AsTensor<string>().ToArray()
            .ShouldBe(expected.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(l => l.ToString()).ToArray());
    }

    private sealed class Row
    {
        public string Label { get; set; } = string.Empty;

        public float N1 { get; set; }

        public string Note { get; set; } = string.Empty;
    }

    private sealed class Features
    {
        public float N1 { get; set; }

        public string Note { get; set; } = string.Empty;
    }
}
