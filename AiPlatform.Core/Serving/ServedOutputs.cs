using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Which of a model file's outputs an endpoint declares, returns by default and lets a caller ask for — one rule for the
/// in-process runtime, <c>/v2</c> metadata and Triton's <c>config.pbtxt</c>, so they never disagree. Tensor outputs
/// only; ML.NET's fixed-shape <c>*.unusedOutput</c> placeholders never. A model of the built-in trainers exported
/// before its graph was pruned still holds every intermediate ML.NET column (<c>f1.output</c>,
/// <c>Features.output</c>…): it serves only the prediction's outputs. Uploaded files keep all their outputs.
/// </summary>
public static class ServedOutputs
{
    /// <summary>What the built-in trainers' ONNX export names the prediction's columns.</summary>
    public static readonly IReadOnlyList<string> Prediction = ["PredictedLabel.output", "Score.output", "Probability.output"];

    /// <summary>The outputs served, in the file's order.</summary>
    /// <param name="builtInTrained">The version was exported by the built-in trainers (it has a conversion report).</param>
    public static IReadOnlyList<TensorSpec> Of(IReadOnlyList<TensorSpec> outputs, bool builtInTrained)
    {
        var tensors = outputs.Where(o => IsTensor(o.DataType) && !IsPlaceholder(o.Name)).ToList();
        if (builtInTrained && tensors.Any(o => Prediction.Contains(o.Name)))
        {
            return [.. tensors.Where(o => Prediction.Contains(o.Name))];
        }

        return tensors;
    }

    /// <summary>The signature with only its served outputs.</summary>
    public static ModelSignature Of(ModelSignature signature, bool builtInTrained) =>
        signature with { Outputs = Of(signature.Outputs, builtInTrained) };

    /// <summary>Whether a registry version was exported by the built-in trainers (only they write a conversion report).</summary>
    public static bool BuiltInTrained(VersionDetails version) => version.Version.ConversionReportJson is not null;

    /// <summary>The served signature of a registry version (null when the registry does not know it).</summary>
    public static ModelSignature? Of(VersionDetails version) => version.Signature is { } s ? Of(s, BuiltInTrained(version)) : null;

    /// <summary>ML.NET's ONNX export adds fixed-shape placeholders named <c>*.unusedOutput</c>.</summary>
    public static bool IsPlaceholder(string output) => output.EndsWith(".unusedOutput", StringComparison.Ordinal);

    /// <summary>The protocol's tensor datatypes (a sequence or map output is not one).</summary>
    public static bool IsTensor(string dataType) => dataType is "BOOL" or "UINT8" or "UINT16" or "UINT32" or "UINT64" or "INT8" or "INT16" or "INT32" or "INT64" or "FP16" or "BF16" or "FP32" or "FP64" or "BYTES";
}
