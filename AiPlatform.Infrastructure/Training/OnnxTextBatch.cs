using System.Text;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// Makes ML.NET's ONNX export of text featurization run batches, in the protobuf wire form of the <c>ModelProto</c>
/// (no protobuf library, like <see cref="OnnxGraphOutputs"/>). ML.NET exports the word tokenizer as
/// <c>Tokenizer</c> ([N,1] → [N,1,T]) followed by a <c>Reshape</c> to <c>[1,-1]</c>, which puts the tokens of every row of
/// the batch into one row: the word n-gram <c>TfIdfVectorizer</c> then yields one row, and the <c>FeatureVectorizer</c>
/// that joins it with the other features fails for more than one row. Its shape becomes <c>[0,-1]</c> ([N,T], as the
/// character branch's <c>Squeeze</c> gives). ML.NET also declares <c>value_info</c> shapes in the text branch that are
/// wrong ([-1,1] for the token tensors), on which ONNX Runtime plans buffer reuse: with a multiclass label the
/// <c>LabelEncoder</c> then fails ("Shape mismatch attempting to re-use buffer"). The graph's <c>value_info</c> is
/// dropped (it is optional; ONNX Runtime infers the shapes itself).
/// </summary>
internal static class OnnxTextBatch
{
    private const int NodeField = 1;
    private const int InitializerField = 5;
    private const int ValueInfoField = 13;

    /// <summary>The model with the text branch fixed; a model without a <c>Tokenizer</c> node is returned unchanged.</summary>
    public static byte[] Fix(byte[] model)
    {
        using var result = new MemoryStream(model.Length);
        var changed = false;
        var position = 0;
        while (position < model.Length)
        {
            var start = position;
            var (field, wire) = OnnxGraphOutputs.Tag(model, ref position);
            if (field == OnnxGraphOutputs.GraphField && wire == OnnxGraphOutputs.LengthDelimited)
            {
                var length = (int)OnnxGraphOutputs.Varint(model, ref position);
                var graph = model.AsSpan(position, length).ToArray();
                position += length;
                var fixedGraph = FixGraph(graph);
                changed |= fixedGraph is not null;
                OnnxGraphOutputs.WriteVarint(result, ((ulong)OnnxGraphOutputs.GraphField << 3) | OnnxGraphOutputs.LengthDelimited);
                OnnxGraphOutputs.WriteVarint(result, (ulong)(fixedGraph ?? graph).Length);
                result.Write(fixedGraph ?? graph);
                continue;
            }

            OnnxGraphOutputs.Skip(model, ref position, wire);
            result.Write(model, start, position - start);
        }

        return changed ? result.ToArray() : model;
    }

    private static byte[]? FixGraph(byte[] graph)
    {
        var fields = Fields(graph);
        var nodes = fields.Where(f => f.Field == NodeField).Select(f => Node.Parse(f.Value)).ToList();
        var tokens = nodes.Where(n => n.OpType == "Tokenizer").SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        if (tokens.Count == 0)
        {
            return null;
        }

        // The shape of each Reshape that flattens a Tokenizer's output, when no other node reads that shape.
        var shapes = nodes.Where(n => n.OpType == "Reshape" && n.Inputs.Count == 2 && tokens.Contains(n.Inputs[0])).Select(n => n.Inputs[1])
            .Where(s => nodes.Count(n => n.Inputs.Contains(s)) == 1).ToHashSet(StringComparer.Ordinal);

        using var result = new MemoryStream(graph.Length);
        foreach (var (field, wire, value, raw) in fields)
        {
            if (field == ValueInfoField)
            {
                continue;
            }

            if (field == InitializerField && Flattening(value) is { } name && shapes.Contains(name))
            {
                var tensor = RowsByTokens(name);
                OnnxGraphOutputs.WriteVarint(result, ((ulong)InitializerField << 3) | OnnxGraphOutputs.LengthDelimited);
                OnnxGraphOutputs.WriteVarint(result, (ulong)tensor.Length);
                result.Write(tensor);
                continue;
            }

            _ = wire;
            result.Write(raw);
        }

        return result.ToArray();
    }

    /// <summary>The name of an INT64 <c>TensorProto</c> holding exactly <c>[1,-1]</c> (one row of all tokens), else null.</summary>
    private static string? Flattening(byte[] tensor)
    {
        string? name = null;
        var dims = new List<long>();
        var data = new List<long>();
        long type = 0;
        foreach (var (field, wire, value, _) in Fields(tensor))
        {
            switch (field)
            {
                case 1: dims.AddRange(Longs(wire, value)); break;
                case 2: type = (long)Single(value); break;
                case 7: data.AddRange(Longs(wire, value)); break;
                case 8: name = Encoding.UTF8.GetString(value); break;
                case 9: return null; // raw_data: not how ML.NET writes it
            }
        }

        return type == 7 && dims is [2] && data is [1, -1] ? name : null;
    }

    /// <summary>An INT64 tensor <c>[0, -1]</c> (keep the batch dimension, join the rest) named <paramref name="name"/>.</summary>
    private static byte[] RowsByTokens(string name)
    {
        using var tensor = new MemoryStream();
        OnnxGraphOutputs.WriteVarint(tensor, (1 << 3) | 0); // dims: 2
        OnnxGraphOutputs.WriteVarint(tensor, 2);
        OnnxGraphOutputs.WriteVarint(tensor, (2 << 3) | 0); // data_type: INT64
        OnnxGraphOutputs.WriteVarint(tensor, 7);
        OnnxGraphOutputs.WriteVarint(tensor, (7 << 3) | 0); // int64_data: 0, -1
        OnnxGraphOutputs.WriteVarint(tensor, 0);
        OnnxGraphOutputs.WriteVarint(tensor, (7 << 3) | 0);
        OnnxGraphOutputs.WriteVarint(tensor, unchecked((ulong)-1L));
        var bytes = Encoding.UTF8.GetBytes(name);
        OnnxGraphOutputs.WriteVarint(tensor, (8 << 3) | OnnxGraphOutputs.LengthDelimited);
        OnnxGraphOutputs.WriteVarint(tensor, (ulong)bytes.Length);
        tensor.Write(bytes);
        return tensor.ToArray();
    }

    private static ulong Single(byte[] varint)
    {
        var position = 0;
        return OnnxGraphOutputs.Varint(varint, ref position);
    }

    /// <summary>A repeated int64 field's values, packed or not.</summary>
    private static IEnumerable<long> Longs(int wire, byte[] value)
    {
        if (wire != OnnxGraphOutputs.LengthDelimited)
        {
            return [(long)Single(value)];
        }

        var values = new List<long>();
        var position = 0;
        while (position < value.Length)
        {
            values.Add((long)OnnxGraphOutputs.Varint(value, ref position));
        }

        return values;
    }

    /// <summary>The message's fields: number, wire type, value (a varint's bytes or a length-delimited payload), and the field's raw bytes.</summary>
    private static List<(int Field, int Wire, byte[] Value, byte[] Raw)> Fields(byte[] message)
    {
        var fields = new List<(int, int, byte[], byte[])>();
        var position = 0;
        while (position < message.Length)
        {
            var start = position;
            var (field, wire) = OnnxGraphOutputs.Tag(message, ref position);
            var valueStart = position;
            if (wire == OnnxGraphOutputs.LengthDelimited)
            {
                var length = (int)OnnxGraphOutputs.Varint(message, ref position);
                valueStart = position;
                position += length;
                if (position > message.Length)
                {
                    throw new InvalidDataException("The ONNX model ends inside a field.");
                }
            }
            else
            {
                OnnxGraphOutputs.Skip(message, ref position, wire);
            }

            fields.Add((field, wire, message[valueStart..position], message[start..position]));
        }

        return fields;
    }

    private sealed record Node(string OpType, List<string> Inputs, List<string> Outputs)
    {
        public static Node Parse(byte[] node)
        {
            var op = string.Empty;
            var inputs = new List<string>();
            var outputs = new List<string>();
            foreach (var (field, _, value, _) in Fields(node))
            {
                switch (field)
                {
                    case 1: inputs.Add(Encoding.UTF8.GetString(value)); break;
                    case 2: outputs.Add(Encoding.UTF8.GetString(value)); break;
                    case 4: op = Encoding.UTF8.GetString(value); break;
                }
            }

            return new Node(op, inputs, outputs);
        }
    }
}
