namespace AiPlatform.Core.Registry;

/// <summary>What a model's files say about it.</summary>
public sealed record ModelInspection(ModelFormat Format, ModelSignature? Signature, OnnxGraphFacts? Facts = null, ConversionReport? Conversion = null);

/// <summary>Reads model files: ONNX graphs (ONNX Runtime) and the platform's ML.NET models (their input schema).</summary>
public interface IModelInspector
{
    /// <summary>Throws <see cref="Common.ValidationException"/> when a file claims to be a model and cannot be read as one.</summary>
    ModelInspection Inspect(IReadOnlyList<(string Path, string LocalFile)> files);
}
