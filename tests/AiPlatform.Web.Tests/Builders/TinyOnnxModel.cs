using Microsoft.ML;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>A small real ONNX regression model (input <c>x</c> FP32 [-1, 1], output <c>Score.output</c>), trained by ML.NET and exported.</summary>
public static class TinyOnnxModel
{
    public static byte[] Regression(float slope)
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 50).Select(i => new Row { X = i, Y = (slope * i) + 1 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Concatenate("Features", "x")
            .Append(ml.Regression.Trainers.FastTree(labelColumnName: "y", numberOfLeaves: 32, numberOfTrees: 100, minimumExampleCountPerLeaf: 1, learningRate: 0.3));
        var model = pipeline.Fit(data);
        using var onnx = new MemoryStream();
        ml.Model.ConvertToOnnx(model, ml.Data.LoadFromEnumerable(rows.Select(r => new Input { X = r.X })), onnx);
        return onnx.ToArray();
    }

    private sealed class Row
    {
        [Microsoft.ML.Data.ColumnName("x")]
        public float X { get; set; }

        [Microsoft.ML.Data.ColumnName("y")]
        public float Y { get; set; }
    }

    private sealed class Input
    {
        [Microsoft.ML.Data.ColumnName("x")]
        public float X { get; set; }
    }
}
