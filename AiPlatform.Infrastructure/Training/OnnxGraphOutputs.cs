using System.Text;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// Drops graph outputs from an ONNX <c>ModelProto</c> in its protobuf wire form (no protobuf library): the model's
/// fields are copied as they are, except the graph (7), whose <c>output</c> entries (12, a <c>ValueInfoProto</c> named by
/// its field 1) that are not kept are left out. The nodes that fed only them stay in the file; ONNX Runtime removes
/// such dead nodes when it loads the graph.
/// </summary>
internal static class OnnxGraphOutputs
{
    internal const int GraphField = 7;
    private const int OutputField = 12;
    internal const int LengthDelimited = 2;

    public static byte[] Keep(byte[] model, Func<string, bool> keep)
    {
        using var result = new MemoryStream(model.Length);
        var position = 0;
        while (position < model.Length)
        {
            var start = position;
            var (field, wire) = Tag(model, ref position);
            if (field == GraphField && wire == LengthDelimited)
            {
                var length = (int)Varint(model, ref position);
                var graph = PruneGraph(model.AsSpan(position, length), keep);
                position += length;
                WriteVarint(result, ((ulong)GraphField << 3) | LengthDelimited);
                WriteVarint(result, (ulong)graph.Length);
                result.Write(graph);
                continue;
            }

            Skip(model, ref position, wire);
            result.Write(model, start, position - start);
        }

        return result.ToArray();
    }

    /// <summary>The names of the graph's outputs, in order.</summary>
    public static IReadOnlyList<string> Names(byte[] model)
    {
        var names = new List<string>();
        var position = 0;
        while (position < model.Length)
        {
            var (field, wire) = Tag(model, ref position);
            if (field == GraphField && wire == LengthDelimited)
            {
                var length = (int)Varint(model, ref position);
                var graph = model.AsSpan(position, length).ToArray();
                var inner = 0;
                while (inner < graph.Length)
                {
                    var (f, w) = Tag(graph, ref inner);
                    if (f == OutputField && w == LengthDelimited)
                    {
                        var size = (int)Varint(graph, ref inner);
                        names.Add(NameOf(graph.AsSpan(inner, size)));
                        inner += size;
                    }
                    else
                    {
                        Skip(graph, ref inner, w);
                    }
                }

                position += length;
            }
            else
            {
                Skip(model, ref position, wire);
            }
        }

        return names;
    }

    private static byte[] PruneGraph(ReadOnlySpan<byte> span, Func<string, bool> keep)
    {
        var graph = span.ToArray();
        using var result = new MemoryStream(graph.Length);
        var position = 0;
        while (position < graph.Length)
        {
            var start = position;
            var (field, wire) = Tag(graph, ref position);
            Skip(graph, ref position, wire);
            if (field == OutputField && wire == LengthDelimited)
            {
                var inner = start;
                Tag(graph, ref inner);
                var length = (int)Varint(graph, ref inner);
                if (!keep(NameOf(graph.AsSpan(inner, length))))
                {
                    continue;
                }
            }

            result.Write(graph, start, position - start);
        }

        return result.ToArray();
    }

    /// <summary>The <c>name</c> (field 1) of a <c>ValueInfoProto</c>.</summary>
    private static string NameOf(ReadOnlySpan<byte> span)
    {
        var info = span.ToArray();
        var position = 0;
        while (position < info.Length)
        {
            var (field, wire) = Tag(info, ref position);
            if (field == 1 && wire == LengthDelimited)
            {
                var length = (int)Varint(info, ref position);
                return Encoding.UTF8.GetString(info, position, length);
            }

            Skip(info, ref position, wire);
        }

        return string.Empty;
    }

    internal static (int Field, int Wire) Tag(byte[] bytes, ref int position)
    {
        var tag = Varint(bytes, ref position);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    internal static void Skip(byte[] bytes, ref int position, int wire)
    {
        switch (wire)
        {
            case 0: Varint(bytes, ref position); break;
            case 1: position += 8; break;
            case LengthDelimited: var length = (int)Varint(bytes, ref position); position += length; break;
            case 5: position += 4; break;
            default: throw new InvalidDataException($"Unsupported protobuf wire type {wire} in the ONNX model.");
        }

        if (position > bytes.Length)
        {
            throw new InvalidDataException("The ONNX model ends inside a field.");
        }
    }

    internal static ulong Varint(byte[] bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw new InvalidDataException("The ONNX model ends inside a number.");
            }

            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("The ONNX model has a malformed number.");
    }

    internal static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}
