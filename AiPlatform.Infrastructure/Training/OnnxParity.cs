using AiPlatform.Core.Registry;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// The conversion check of the built-in trainers: the ML.NET model and its ONNX export score the same validation
/// rows (up to <see cref="SampleRows"/>), and the largest absolute difference per output is reported.
/// </summary>
internal static class OnnxParity
{
    public const int SampleRows = 200;
    public const double Tolerance = 1e-4;

    /// <param name="features">Feature input columns and whether each is numeric (else text).</param>
    public static ConversionReport Check(MLContext ml, ITransformer model, IDataView validation, IReadOnlyList<(string Column, bool Numeric)> features, string onnxPath)
    {
        var sample = ml.Data.TakeRows(validation, SampleRows);
        var scored = model.Transform(sample);
        var rows = (int)(scored.GetRowCount() ?? CountRows(scored));
        if (rows == 0)
        {
            // Nothing to compare (a tiny dataset's holdout can be empty) — and ONNX Runtime must never see an empty batch.
            return new ConversionReport("ML.NET model.zip", "ONNX model.onnx", 0, new Dictionary<string, double>(), Tolerance, false);
        }

        var expected = new Dictionary<string, float[][]>(StringComparer.Ordinal);
        foreach (var output in new[] { "Score", "Probability" })
        {
            if (scored.Schema.GetColumnOrNull(output) is { } column)
            {
                expected[output] = column.Type is VectorDataViewType
                    ? [.. scored.GetColumn<VBuffer<float>>(output).Select(v => v.DenseValues().ToArray())]
                    : [.. scored.GetColumn<float>(output).Select(v => new[] { v })];
            }
        }

        // One thread: a few hundred rows need no pool, and the check runs inside a training job.
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(onnxPath, sessionOptions);
        var columns = features.Select(f => f.Numeric
            ? (Array)sample.GetColumn<float>(f.Column).ToArray()
            : sample.GetColumn<ReadOnlyMemory<char>>(f.Column).Select(t => t.ToString()).ToArray()).ToList();
        var outputs = expected.Keys.Where(k => session.OutputMetadata.ContainsKey(k + ".output")).ToList();
        // One batch: the export runs batches (text featurization included, see OnnxTextBatch), as the model is served.
        var actual = Run(session, features, columns, outputs, 0, rows);

        var differences = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var o = 0; o < outputs.Count; o++)
        {
            var want = expected[outputs[o]];
            var width = want.Length == 0 ? 1 : want[0].Length;
            double max = 0;
            for (var r = 0; r < want.Length; r++)
            {
                for (var c = 0; c < width; c++)
                {
                    var a = actual[o][(r * width) + c];
                    var e = want[r][c];
                    var diff = float.IsNaN(a) && float.IsNaN(e) ? 0 : Math.Abs((double)a - e);
                    max = Math.Max(max, double.IsNaN(diff) ? double.PositiveInfinity : diff);
                }
            }

            differences[outputs[o]] = max;
        }

        return new ConversionReport("ML.NET model.zip", "ONNX model.onnx", rows, differences, Tolerance, differences.Count > 0 && differences.Values.All(d => d <= Tolerance));
    }

    /// <summary>Rows [<paramref name="start"/>, start + count) through the session; each output's values, flat.</summary>
    private static float[][] Run(InferenceSession session, IReadOnlyList<(string Column, bool Numeric)> features, List<Array> columns, List<string> outputs, int start, int count)
    {
        var values = new List<OrtValue>();
        try
        {
            for (var f = 0; f < features.Count; f++)
            {
                if (columns[f] is float[] numbers)
                {
                    values.Add(OrtValue.CreateTensorValueFromMemory(numbers[start..(start + count)], [count, 1]));
                }
                else
                {
                    var text = (string[])columns[f];
                    var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, [count, 1]);
                    for (var i = 0; i < count; i++)
                    {
                        value.StringTensorSetElementAt(text[start + i].AsSpan(), i);
                    }

                    values.Add(value);
                }
            }

            using var options = new RunOptions();
            using var results = session.Run(options, features.Select(f => f.Column).ToList(), values, outputs.Select(o => o + ".output").ToList());
            return [.. results.Select(r => r.GetTensorDataAsSpan<float>().ToArray())];
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private static long CountRows(IDataView data)
    {
        long n = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            n++;
        }

        return n;
    }
}
