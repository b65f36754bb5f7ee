using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>
/// The record-style API of tabular models: <c>[{"col": value}, ...]</c> becomes one column tensor per model input
/// (shape [rows, 1] or [rows]), and the outputs come back as one object per record. ML.NET's ONNX outputs are named
/// <c>Column.output</c>; the record API drops that suffix and the echoed input columns.
/// </summary>
public static class RecordTensors
{
    public const int MaxRecords = 10_000;

    public static IReadOnlyList<InferTensor> ToInputs(ModelSignature signature, IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> records)
    {
        if (records.Count == 0)
        {
            throw new InferenceInputException("Send at least one record.") { MessageKey = "Error.InferNoRecords" };
        }

        if (records.Count > MaxRecords)
        {
            throw new InferenceInputException($"At most {MaxRecords} records go in one request.") { MessageKey = "Error.InferTooManyRecords", MessageArguments = [MaxRecords] };
        }

        var known = signature.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        for (var r = 0; r < records.Count; r++)
        {
            if (records[r].Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            {
                throw new InferenceInputException($"Record {r}: the model has no input '{unknown}'. Inputs: {string.Join(", ", known)}.") { MessageKey = "Error.InferUnknownInput", MessageArguments = [r, unknown, string.Join(", ", known)] };
            }
        }

        var tensors = new List<InferTensor>();
        foreach (var input in signature.Inputs)
        {
            var width = input.Shape.Count == 2 && input.Shape[1] > 1 ? (int)input.Shape[1] : 1;
            IReadOnlyList<long> shape = input.Shape.Count == 1 ? [records.Count] : [records.Count, width];
            Array data = input.DataType switch
            {
                "FP32" => Column(records, input, width, e => (float)Number(e, input.Name)),
                "FP64" => Column(records, input, width, e => Number(e, input.Name)),
                "INT32" => Column(records, input, width, e => checked((int)Integer(e, input.Name))),
                "INT64" => Column(records, input, width, e => Integer(e, input.Name)),
                "BOOL" => Column(records, input, width, e => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : throw new InferenceInputException($"Input '{input.Name}' takes true or false.") { MessageKey = "Error.InferTakesBool", MessageArguments = [input.Name] }),
                "BYTES" => Column(records, input, width, e => e.ValueKind switch
                {
                    JsonValueKind.String => e.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
                    _ => throw new InferenceInputException($"Input '{input.Name}' takes text.") { MessageKey = "Error.InferTakesText", MessageArguments = [input.Name] },
                }),
                var other => throw new InferenceInputException($"Input '{input.Name}' has type {other}, which the record API does not take; use /v2."),
            };
            tensors.Add(new InferTensor(input.Name, input.DataType, shape, data));
        }

        return tensors;
    }

    /// <summary>One object per record: output name (without ML.NET's <c>.output</c>) → value, or array for wider outputs.</summary>
    public static IReadOnlyList<Dictionary<string, object?>> ToRecords(ModelSignature signature, IReadOnlyList<InferTensor> outputs, int rows)
    {
        var inputs = signature.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var result = Enumerable.Range(0, rows).Select(_ => new Dictionary<string, object?>(StringComparer.Ordinal)).ToList();
        foreach (var output in outputs)
        {
            var name = output.Name.EndsWith(".output", StringComparison.Ordinal) ? output.Name[..^".output".Length] : output.Name;
            if (inputs.Contains(name) || name == "Features" || name.EndsWith(".unusedOutput", StringComparison.Ordinal) || output.Shape.Count == 0 || output.Shape[0] != rows)
            {
                continue;
            }

            var width = rows == 0 ? 0 : output.Data.Length / rows;
            for (var r = 0; r < rows; r++)
            {
                result[r][name] = width == 1
                    ? output.Data.GetValue(r)
                    : Enumerable.Range(0, width).Select(c => output.Data.GetValue((r * width) + c)).ToArray();
            }
        }

        return result;
    }

    private static T[] Column<T>(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> records, TensorSpec input, int width, Func<JsonElement, T> read)
    {
        var data = new T[records.Count * width];
        for (var r = 0; r < records.Count; r++)
        {
            if (!records[r].TryGetValue(input.Name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (typeof(T) == typeof(float))
                {
                    for (var c = 0; c < width; c++)
                    {
                        data[(r * width) + c] = (T)(object)float.NaN;
                    }

                    continue;
                }

                throw new InferenceInputException($"Record {r} has no value for input '{input.Name}'.") { MessageKey = "Error.InferMissingValue", MessageArguments = [r, input.Name] };
            }

            if (width == 1)
            {
                data[r] = Read(value, read, input.Name, r);
                continue;
            }

            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != width)
            {
                throw new InferenceInputException($"Record {r}: input '{input.Name}' takes an array of {width} values.") { MessageKey = "Error.InferArrayWidth", MessageArguments = [r, input.Name, width] };
            }

            var c2 = 0;
            foreach (var item in value.EnumerateArray())
            {
                data[(r * width) + c2++] = Read(item, read, input.Name, r);
            }
        }

        return data;
    }

    private static T Read<T>(JsonElement value, Func<JsonElement, T> read, string input, int row)
    {
        try
        {
            return read(value);
        }
        catch (InferenceInputException e)
        {
            throw new InferenceInputException($"Record {row}: {e.Message}");
        }
        catch (OverflowException)
        {
            throw new InferenceInputException($"Record {row}: the value of input '{input}' is out of range.") { MessageKey = "Error.InferOutOfRange", MessageArguments = [row, input] };
        }
    }

    private static double Number(JsonElement e, string input) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new InferenceInputException($"Input '{input}' takes a number, not {Describe(e)}.") { MessageKey = "Error.InferTakesNumber", MessageArguments = [input] },
    };

    private static long Integer(JsonElement e, string input) => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l)
        ? l
        : throw new InferenceInputException($"Input '{input}' takes an integer, not {Describe(e)}.") { MessageKey = "Error.InferTakesInteger", MessageArguments = [input] };

    private static string Describe(JsonElement e) => e.ValueKind == JsonValueKind.String ? $"\"{Truncate(e.GetString()!)}\"" : Truncate(e.GetRawText());

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
