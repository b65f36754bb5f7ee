using AiPlatform.Core.Registry;

namespace AiPlatform.Infrastructure.Registry;

/// <summary>
/// Reads the top of an ONNX <c>ModelProto</c> (protobuf wire format) without a protobuf library: ir_version (1),
/// producer_name (2), producer_version (3), the graph's node count (7 → 1) and opset_import (8: domain 1, version 2).
/// </summary>
public static class OnnxFacts
{
    public static OnnxGraphFacts Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long ir = 0;
        string? producer = null;
        string? producerVersion = null;
        var nodes = 0;
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        var position = 0;
        while (position < bytes.Length)
        {
            var (field, wire) = Tag(bytes, ref position);
            switch (field, wire)
            {
                case (1, 0):
                    ir = (long)Varint(bytes, ref position);
                    break;
                case (2, 2):
                    producer = Text(bytes, ref position);
                    break;
                case (3, 2):
                    producerVersion = Text(bytes, ref position);
                    break;
                case (7, 2):
                    nodes = CountNodes(Slice(bytes, ref position));
                    break;
                case (8, 2):
                    var (domain, version) = Opset(Slice(bytes, ref position));
                    opsets[domain.Length == 0 ? "ai.onnx" : domain] = version;
                    break;
                default:
                    Skip(bytes, ref position, wire);
                    break;
            }
        }

        return new OnnxGraphFacts(ir, opsets, producer, producerVersion, bytes.LongLength, nodes);
    }

    private static int CountNodes(ArraySegment<byte> graph)
    {
        var bytes = graph.Array!;
        var position = graph.Offset;
        var end = graph.Offset + graph.Count;
        var nodes = 0;
        while (position < end)
        {
            var (field, wire) = Tag(bytes, ref position);
            if (field == 1 && wire == 2)
            {
                Slice(bytes, ref position);
                nodes++;
            }
            else
            {
                Skip(bytes, ref position, wire);
            }
        }

        return nodes;
    }

    private static (string Domain, long Version) Opset(ArraySegment<byte> segment)
    {
        var bytes = segment.Array!;
        var position = segment.Offset;
        var end = segment.Offset + segment.Count;
        var domain = string.Empty;
        long version = 0;
        while (position < end)
        {
            var (field, wire) = Tag(bytes, ref position);
            if (field == 1 && wire == 2)
            {
                domain = Text(bytes, ref position);
            }
            else if (field == 2 && wire == 0)
            {
                version = (long)Varint(bytes, ref position);
            }
            else
            {
                Skip(bytes, ref position, wire);
            }
        }

        return (domain, version);
    }

    private static (int Field, int Wire) Tag(byte[] bytes, ref int position)
    {
        var tag = Varint(bytes, ref position);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    private static ulong Varint(byte[] bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw new InvalidDataException("The ONNX file ends inside a number.");
            }

            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("The ONNX file has a malformed number.");
    }

    private static ArraySegment<byte> Slice(byte[] bytes, ref int position)
    {
        var length = (int)Varint(bytes, ref position);
        if (length < 0 || position + length > bytes.Length)
        {
            throw new InvalidDataException("The ONNX file has a field longer than the file.");
        }

        var segment = new ArraySegment<byte>(bytes, position, length);
        position += length;
        return segment;
    }

    private static string Text(byte[] bytes, ref int position)
    {
        var segment = Slice(bytes, ref position);
        return System.Text.Encoding.UTF8.GetString(segment);
    }

    private static void Skip(byte[] bytes, ref int position, int wire)
    {
        switch (wire)
        {
            case 0: Varint(bytes, ref position); break;
            case 1: position += 8; break;
            case 2: Slice(bytes, ref position); break;
            case 5: position += 4; break;
            default: throw new InvalidDataException($"The ONNX file has an unknown wire type {wire}.");
        }
    }
}
