using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Serving;

namespace AiPlatform.Web.Api.Oip;

/// <summary>Reads and writes the Open Inference Protocol's JSON: tensors with flat or nested data, typed by datatype.</summary>
public static class OipJson
{
    public static InferenceRequest ReadRequest(JsonElement root)
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
        foreach (var input in inputsElement.EnumerateArray())
        {
            inputs.Add(ReadTensor(input));
        }

        List<string>? outputs = null;
        if (root.TryGetProperty("outputs", out var outputsElement) && outputsElement.ValueKind == JsonValueKind.Array)
        {
            outputs = [];
            foreach (var output in outputsElement.EnumerateArray())
            {
                outputs.Add(output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                    ? n.GetString()!
                    : throw new InferenceInputException("Each requested output is an object with a \"name\"."));
            }
        }

        return new InferenceRequest(id, inputs, outputs);
    }

    public static InferTensor ReadTensor(JsonElement input)
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

        if (!input.TryGetProperty("data", out var dataElement))
        {
            throw new InferenceInputException($"Input '{name}' has no \"data\" (the binary extension is not supported).");
        }

        var flat = new List<JsonElement>();
        Flatten(dataElement, flat, name, 0);
        var expected = shape.Aggregate(1L, (a, d) => a * d);
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

    public static void WriteResult(Utf8JsonWriter w, InferenceResult result)
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
            w.WritePropertyName("data");
            WriteData(w, output.Data);
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
