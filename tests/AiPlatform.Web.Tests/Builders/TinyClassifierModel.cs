using Microsoft.ML;
using Microsoft.ML.Data;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// A small real ONNX multiclass model, trained by ML.NET and exported with only its prediction's outputs: inputs
/// <c>x</c> FP32 [-1, 1] and <c>color</c> BYTES [-1, 1]; outputs <c>PredictedLabel.output</c> BYTES (the class name:
/// "low" for x &lt; 3, "mid" below 6, else "high") and <c>Score.output</c> FP32 [-1, 3].
/// </summary>
public static class TinyClassifierModel
{
    public static byte[] Onnx()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 90).Select(i => new Row { X = i % 9, Color = i % 2 == 0 ? "red" : "blue", Label = (i % 9) < 3 ? "low" : (i % 9) < 6 ? "mid" : "high" }).ToList();
        // The label's key mapping is fitted outside the model (as the built-in trainers do), so the export needs no label.
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var model = ml.Transforms.Categorical.OneHotEncoding("colorVector", "color")
            .Append(ml.Transforms.Concatenate("Features", "x", "colorVector"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
            .Fit(keyed);
        var final = model.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(keyed)));
        using var onnx = new MemoryStream();
        ml.Model.ConvertToOnnx(final, ml.Data.LoadFromEnumerable(rows.Select(r => new Input { X = r.X, Color = r.Color })), onnx, "PredictedLabel", "Score");
        return onnx.ToArray();
    }

    private sealed class Row
    {
        [ColumnName("x")]
        public float X { get; set; }

        [ColumnName("color")]
        public string Color { get; set; } = string.Empty;

        public string Label { get; set; } = string.Empty;
    }

    private sealed class Input
    {
        [ColumnName("x")]
        public float X { get; set; }

        [ColumnName("color")]
        public string Color { get; set; } = string.Empty;
    }
}
