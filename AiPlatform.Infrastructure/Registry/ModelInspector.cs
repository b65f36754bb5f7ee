using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using Microsoft.ML.OnnxRuntime;

namespace AiPlatform.Infrastructure.Registry;

/// <summary>
/// ONNX files are opened with ONNX Runtime (a broken graph fails the registration with its message) and give the
/// signature; ML.NET models give it through the <c>input_schema.json</c> the built-in trainers write beside them.
/// </summary>
public sealed class ModelInspector : IModelInspector
{
    public ModelInspection Inspect(IReadOnlyList<(string Path, string LocalFile)> files)
    {
        var onnx = files.FirstOrDefault(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase));
        if (onnx.LocalFile is not null)
        {
            try
            {
                using var session = new InferenceSession(onnx.LocalFile);
                OnnxGraphFacts? facts;
                try
                {
                    facts = OnnxFacts.Read(onnx.LocalFile);
                }
                catch (InvalidDataException)
                {
                    facts = null;
                }

                return new ModelInspection(ModelFormat.Onnx, Serving.OrtTensors.Signature(session), facts, Conversion(files));
            }
            catch (OnnxRuntimeException e)
            {
                throw new ValidationException("source", $"'{onnx.Path}' is not a loadable ONNX model: {e.Message}") { MessageKey = "Error.ModelNotLoadable", MessageArguments = [onnx.Path] };
            }
        }

        var mlnet = files.FirstOrDefault(f => f.Path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase));
        if (mlnet.LocalFile is not null)
        {
            var schema = files.FirstOrDefault(f => f.Path.EndsWith("input_schema.json", StringComparison.OrdinalIgnoreCase));
            return new ModelInspection(ModelFormat.MlNet, schema.LocalFile is null ? null : FromInputSchema(File.ReadAllText(schema.LocalFile)));
        }

        return new ModelInspection(ModelFormat.Other, null);
    }

    /// <summary>The conversion report the built-in trainers write beside the ONNX file, if any.</summary>
    private static ConversionReport? Conversion(IReadOnlyList<(string Path, string LocalFile)> files)
    {
        var report = files.FirstOrDefault(f => f.Path.EndsWith("conversion_report.json", StringComparison.OrdinalIgnoreCase));
        if (report.LocalFile is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ConversionReport>(File.ReadAllText(report.LocalFile), JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }



    private static ModelSignature? FromInputSchema(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var inputs = doc.RootElement.GetProperty("inputs").EnumerateArray()
                .Select(i => new TensorSpec(i.GetProperty("input").GetString()!, i.GetProperty("type").GetString() == "float" ? "FP32" : "BYTES", [-1, 1])).ToList();
            return new ModelSignature(inputs, []);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
