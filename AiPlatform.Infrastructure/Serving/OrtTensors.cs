using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AiPlatform.Infrastructure.Serving;

/// <summary>Between the protocol's tensors and ONNX Runtime values, with the checks that make a client's mistake a 400.</summary>
internal static class OrtTensors
{
    public static string DataType(TensorElementType type) => type switch
    {
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Bool => "BOOL",
        TensorElementType.String => "BYTES",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.BFloat16 => "BF16",
        var other => other.ToString().ToUpperInvariant(),
    };

    /// <summary>A session's inputs and outputs as the registry and the protocol describe them (-1: any size).</summary>
    public static ModelSignature Signature(InferenceSession session) => new(Specs(session.InputMetadata), Specs(session.OutputMetadata));

    private static List<TensorSpec> Specs(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        [.. metadata.Select(m => new TensorSpec(m.Key, m.Value.IsTensor ? DataType(m.Value.ElementDataType) : m.Value.OnnxValueType.ToString().ToUpperInvariant(), m.Value.IsTensor ? [.. m.Value.Dimensions.Select(d => (long)d)] : []))];

    /// <summary>The CLR element type the platform uses for a protocol datatype it serves.</summary>
    public static Type? ElementType(string dataType) => dataType switch
    {
        "FP32" => typeof(float),
        "FP64" => typeof(double),
        "INT32" => typeof(int),
        "INT64" => typeof(long),
        "BOOL" => typeof(bool),
        "BYTES" => typeof(string),
        _ => null,
    };

    /// <summary>Checks one input against the model's spec; the message names the input.</summary>
    public static void Check(InferTensor input, TensorSpec spec)
    {
        if (input.DataType != spec.DataType)
        {
            throw new InferenceInputException($"Input '{input.Name}' has datatype {input.DataType}; the model takes {spec.DataType}.");
        }

        if (input.Shape.Count != spec.Shape.Count || input.Shape.Where((d, i) => d < 0 || (spec.Shape[i] >= 0 && spec.Shape[i] != d)).Any())
        {
            throw new InferenceInputException($"Input '{input.Name}' has shape [{string.Join(", ", input.Shape)}]; the model takes [{string.Join(", ", spec.Shape)}] (-1: any size).");
        }

        if (input.Shape.Any(d => d == 0))
        {
            // ONNX Runtime's tree ensembles abort the process on an empty batch; an empty request has nothing to infer anyway.
            throw new InferenceInputException($"Input '{input.Name}' has an empty dimension in shape [{string.Join(", ", input.Shape)}]; send at least one row.");
        }

        var count = input.Shape.Aggregate(1L, (a, d) => a * d);
        if (count != input.Data.Length)
        {
            throw new InferenceInputException($"Input '{input.Name}' has {input.Data.Length} elements; shape [{string.Join(", ", input.Shape)}] needs {count}.");
        }

        if (input.Data.GetType().GetElementType() != ElementType(spec.DataType))
        {
            throw new InferenceInputException($"Input '{input.Name}': the values do not match datatype {spec.DataType}.");
        }
    }

    public static OrtValue ToOrtValue(InferTensor tensor)
    {
        var shape = tensor.Shape.ToArray();
        switch (tensor.Data)
        {
            case float[] f: return OrtValue.CreateTensorValueFromMemory(f, shape);
            case double[] d: return OrtValue.CreateTensorValueFromMemory(d, shape);
            case int[] i: return OrtValue.CreateTensorValueFromMemory(i, shape);
            case long[] l: return OrtValue.CreateTensorValueFromMemory(l, shape);
            case bool[] b: return OrtValue.CreateTensorValueFromMemory(b, shape);
            case string[] s:
                var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
                for (var k = 0; k < s.Length; k++)
                {
                    value.StringTensorSetElementAt(s[k].AsSpan(), k);
                }

                return value;
            default:
                throw new InferenceInputException($"Input '{tensor.Name}' has a datatype this server does not take ({tensor.DataType}).");
        }
    }

    public static InferTensor FromOrtValue(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        IReadOnlyList<long> shape = info.Shape;
        Array data = info.ElementDataType switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
            TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
            TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
            TensorElementType.String => value.GetStringTensorAsArray(),
            TensorElementType.UInt32 => value.GetTensorDataAsSpan<uint>().ToArray().Select(v => (long)v).ToArray(),
            TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray().Select(v => (int)v).ToArray(),
            var other => throw new InvalidOperationException($"Output '{name}' has element type {other}, which this server does not return."),
        };
        var dataType = info.ElementDataType switch
        {
            TensorElementType.UInt32 => "INT64",
            TensorElementType.UInt8 => "INT32",
            var t => DataType(t),
        };
        return new InferTensor(name, dataType, shape, data);
    }

    /// <summary>A one-row input of the right type and shape (dynamic dimensions 1) for warming a model up.</summary>
    public static InferTensor WarmUp(TensorSpec spec)
    {
        var shape = spec.Shape.Select(d => d < 0 ? 1L : d).ToArray();
        var count = (int)shape.Aggregate(1L, (a, d) => a * d);
        Array data = spec.DataType switch
        {
            "FP32" => new float[count],
            "FP64" => new double[count],
            "INT32" => new int[count],
            "INT64" => new long[count],
            "BOOL" => new bool[count],
            "BYTES" => Enumerable.Repeat(string.Empty, count).ToArray(),
            var other => throw new InvalidOperationException($"Input '{spec.Name}' has type {other}, which this server does not serve."),
        };
        return new InferTensor(spec.Name, spec.DataType, shape, data);
    }

    /// <summary>Stacks the requests' tensors along the first dimension.</summary>
    public static InferTensor Concat(string name, IReadOnlyList<InferTensor> parts)
    {
        var first = parts[0];
        var total = parts.Sum(p => p.Data.Length);
        var data = Array.CreateInstance(first.Data.GetType().GetElementType()!, total);
        var offset = 0;
        foreach (var part in parts)
        {
            Array.Copy(part.Data, 0, data, offset, part.Data.Length);
            offset += part.Data.Length;
        }

        return new InferTensor(name, first.DataType, [parts.Sum(p => p.Shape[0]), .. first.Shape.Skip(1)], data);
    }

    /// <summary>Rows [<paramref name="start"/>, start + rows) of a batched output.</summary>
    public static InferTensor Slice(InferTensor tensor, long totalRows, long start, long rows)
    {
        var width = tensor.Data.Length / totalRows;
        var data = Array.CreateInstance(tensor.Data.GetType().GetElementType()!, rows * width);
        Array.Copy(tensor.Data, start * width, data, 0, rows * width);
        return new InferTensor(tensor.Name, tensor.DataType, [rows, .. tensor.Shape.Skip(1)], data);
    }
}
