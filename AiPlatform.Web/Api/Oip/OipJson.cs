using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Serving;

namespace AiPlatform.Web.Api.Oip;

/// <summary>Reads and writes the Open Inference Protocol's JSON: tensors with flat or nested data, typed by datatype.</summary>
public static class OipJson
{
    /// <summary>A JSON-only request (the binary extension's parameters are refused: there are no bytes to read).</summary>
    public static InferenceRequest ReadRequest(JsonElement root) => ReadInferRequest(root, null).Request;

    /// <summary>
    /// A request with, when <paramref name="binary"/> is given, the binary part that followed its JSON header: inputs with
    /// <c>parameters.binary_data_size</c> take their bytes from it in order, and all of it must be taken.
    /// </summary>
    public static OipInferRequest ReadInferRequest(JsonElement root, ReadOnlyMemory<byte>? binary)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InferenceInputException("The request body must be a JSON object with \"inputs\".");
        }

        var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        if (!root.TryGetProperty("inputs", out var inputsElement) || inputsElement.ValueKind != JsonValueKind.Array)
        {
            throw new InferenceInputException("The request has no \"inputs\" array.");
        }

        var inputs = new List<InferTensor>();
        var offset = 0;
        foreach (var input in inputsElement.EnumerateArray())
        {
            inputs.Add(ReadTensor(input, binary, ref offset));
        }

        if (binary is { } rest && offset != rest.Length)
        {
            throw OipBinary.Malformed($"The binary part has {rest.Length} bytes; the inputs' binary_data_size take {offset}.");
        }

        List<string>? outputs = null;
        Dictionary<string, bool>? binaryByOutput = null;
        if (root.TryGetProperty("outputs", out var outputsElement) && outputsElement.ValueKind == JsonValueKind.Array)
        {
            outputs = [];
            foreach (var output in outputsElement.EnumerateArray())
            {
                var name = output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                    ? n.GetString()!
                    : throw new InferenceInputException("Each requested output is an object with a \"name\".");
                outputs.Add(name);
                if (Flag(output, "binary_data", $"Output '{name}'") is { } flag)
                {
                    (binaryByOutput ??= new Dictionary<string, bool>(StringComparer.Ordinal))[name] = flag;
                }
            }
        }

        return new OipInferRequest(new InferenceRequest(id, inputs, outputs), Flag(root, "binary_data_output", "The request") ?? false, binaryByOutput);
    }

    public static InferTensor ReadTensor(JsonElement input)
    {
        var offset = 0;
        return ReadTensor(input, null, ref offset);
    }

    /// <summary>A boolean parameter of the binary extension (<c>parameters.{name}</c>), or null when absent.</summary>
    private static bool? Flag(JsonElement owner, string name, string who)
    {
        if (!owner.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InferenceInputException($"{who} has parameter \"{name}\" that is not true or false."),
        };
    }

    private static InferTensor ReadTensor(JsonElement input, ReadOnlyMemory<byte>? binary, ref int offset)
    {
        if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            throw new InferenceInputException("Each input is an object with \"name\", \"shape\", \"datatype\" and \"data\".");
        }

        var name = nameElement.GetString()!;
        if (!input.TryGetProperty("datatype", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw new InferenceInputException($"Input '{name}' has no \"datatype\".");
        }

        var dataType = typeElement.GetString()!;
        if (!input.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new InferenceInputException($"Input '{name}' has no \"shape\" array.");
        }

        var shape = new List<long>();
        foreach (var d in shapeElement.EnumerateArray())
        {
            shape.Add(d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var v) && v >= 0 ? v : throw new InferenceInputException($"Input '{name}' has a shape that is not a list of sizes ≥ 0."));
        }

        var expected = ElementCount(shape);
        if (input.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("binary_data_size", out var sizeElement))
        {
            if (binary is not { } part)
            {
                throw OipBinary.Malformed($"Input '{name}' has binary_data_size, but the request has no binary part (send the {OipBinary.HeaderLengthHeader} header with the JSON's length).");
            }

            if (input.TryGetProperty("data", out _))
            {
                throw OipBinary.Malformed($"Input '{name}' has both \"data\" and binary_data_size.");
            }

            if (sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out var size) || size < 0)
            {
                throw OipBinary.Malformed($"Input '{name}' has a binary_data_size that is not a size in bytes: {sizeElement.GetRawText()}.");
            }

            if (size > part.Length - offset)
            {
                throw OipBinary.Malformed($"Input '{name}' has binary_data_size {size}; the binary part has {part.Length - offset} bytes left.");
            }

            var bytes = part.Span.Slice(offset, (int)size);
            offset += (int)size;
            return new InferTensor(name, dataType, shape, OipBinary.Decode(name, dataType, expected, bytes));
        }

        if (!input.TryGetProperty("data", out var dataElement))
        {
            throw new InferenceInputException($"Input '{name}' has no \"data\" and no binary_data_size.");
        }

        var flat = new List<JsonElement>();
        Flatten(dataElement, flat, name, 0);
        if (flat.Count != expected)
        {
            throw new InferenceInputException($"Input '{name}' has {flat.Count} elements; shape [{string.Join(", ", shape)}] needs {expected}.");
        }

        Array data = dataType switch
        {
            "FP32" => Convert(flat, name, e => (float)Double(e, name)),
            "FP64" => Convert(flat, name, e => Double(e, name)),
            "INT32" => Convert(flat, name, e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i) ? i : throw Bad(name, "INT32", e)),
            "INT64" => Convert(flat, name, e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l) ? l : throw Bad(name, "INT64", e)),
            "BOOL" => Convert(flat, name, e => e.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Bad(name, "BOOL", e) }),
            "BYTES" => Convert(flat, name, e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(name, "BYTES", e)),
            _ => throw new InferenceInputException($"Input '{name}' has datatype {dataType}; this server takes FP32, FP64, INT32, INT64, BOOL and BYTES."),
        };
        return new InferTensor(name, dataType, shape, data);
    }

    public static void WriteResult(Utf8JsonWriter w, InferenceResult result) => WriteResult(w, result, null);

    /// <summary>The answer's JSON; outputs <paramref name="request"/> wants as binary data carry their size instead of data.</summary>
    public static void WriteResult(Utf8JsonWriter w, InferenceResult result, OipInferRequest? request)
    {
        w.WriteStartObject();
        w.WriteString("model_name", result.ModelName);
        w.WriteString("model_version", result.ModelVersion);
        if (result.Id is not null)
        {
            w.WriteString("id", result.Id);
        }

        w.WritePropertyName("outputs");
        w.WriteStartArray();
        foreach (var output in result.Outputs)
        {
            w.WriteStartObject();
            w.WriteString("name", output.Name);
            w.WriteString("datatype", output.DataType);
            w.WritePropertyName("shape");
            w.WriteStartArray();
            foreach (var d in output.Shape)
            {
                w.WriteNumberValue(d);
            }

            w.WriteEndArray();
            if (request is not null && request.IsBinary(output.Name))
            {
                w.WriteStartObject("parameters");
                w.WriteNumber("binary_data_size", OipBinary.SizeOf(output.Data));
                w.WriteEndObject();
            }
            else
            {
                w.WritePropertyName("data");
                WriteData(w, output.Data);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteData(Utf8JsonWriter w, Array data)
    {
        w.WriteStartArray();
        switch (data)
        {
            case float[] f:
                foreach (var v in f)
                {
                    if (float.IsFinite(v)) { w.WriteNumberValue(v); } else { w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture)); }
                }

                break;
            case double[] d:
                foreach (var v in d)
                {
                    if (double.IsFinite(v)) { w.WriteNumberValue(v); } else { w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture)); }
                }

                break;
            case int[] i:
                foreach (var v in i)
                {
                    w.WriteNumberValue(v);
                }

                break;
            case long[] l:
                foreach (var v in l)
                {
                    w.WriteNumberValue(v);
                }

                break;
            case bool[] b:
                foreach (var v in b)
                {
                    w.WriteBooleanValue(v);
                }

                break;
            case string[] s:
                foreach (var v in s)
                {
                    w.WriteStringValue(v);
                }

                break;
        }

        w.WriteEndArray();
    }

    /// <summary>The shape's element count, saturated at <see cref="long.MaxValue"/> (a hostile shape must not wrap round).</summary>
    private static long ElementCount(List<long> shape)
    {
        if (shape.Contains(0))
        {
            return 0;
        }

        var count = 1L;
        foreach (var d in shape)
        {
            count = count > long.MaxValue / d ? long.MaxValue : count * d;
        }

        return count;
    }

    private static void Flatten(JsonElement e, List<JsonElement> into, string name, int depth)
    {
        if (depth > 32)
        {
            throw new InferenceInputException($"Input '{name}' is nested too deeply.");
        }

        if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                Flatten(item, into, name, depth + 1);
            }
        }
        else
        {
            into.Add(e);
        }
    }

    private static T[] Convert<T>(List<JsonElement> flat, string name, Func<JsonElement, T> read)
    {
        var data = new T[flat.Count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = read(flat[i]);
        }

        return data;
    }

    private static double Double(JsonElement e, string name) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when e.GetString() is "NaN" or "nan" => double.NaN,
        JsonValueKind.String when e.GetString() is "Infinity" or "inf" => double.PositiveInfinity,
        JsonValueKind.String when e.GetString() is "-Infinity" or "-inf" => double.NegativeInfinity,
        _ => throw Bad(name, "a floating-point type", e),
    };

    private static InferenceInputException Bad(string name, string type, JsonElement e)
    {
        var text = e.GetRawText();
        return new InferenceInputException($"Input '{name}' has a value that is not {type}: {(text.Length > 40 ? text[..40] + "…" : text)}.");
    }
}
