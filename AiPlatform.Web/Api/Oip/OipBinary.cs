using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AiPlatform.Core.Serving;

namespace AiPlatform.Web.Api.Oip;

/// <summary>
/// The binary tensor data extension (Triton's <c>extension_binary_data.md</c>, what tritonclient sends for large
/// tensors): after the JSON header (its length in <see cref="HeaderLengthHeader"/>) come the tensors' raw bytes in the
/// order of the inputs (or outputs) that carry <c>parameters.binary_data_size</c>; little-endian, row-major, no padding;
/// BOOL one byte (0 or 1); BYTES each element as a 4-byte little-endian length followed by its bytes.
/// </summary>
public static class OipBinary
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    public const string Extension = "binary_tensor_data";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes one input's bytes (exactly <paramref name="bytes"/>) for its datatype and element count.</summary>
    public static Array Decode(string name, string dataType, long count, ReadOnlySpan<byte> bytes)
    {
        if (dataType == "BYTES")
        {
            return DecodeStrings(name, count, bytes);
        }

        var width = dataType switch
        {
            "FP32" or "INT32" => 4,
            "FP64" or "INT64" => 8,
            "BOOL" => 1,
            _ => throw new InferenceInputException($"Input '{name}' has datatype {dataType}; this server takes FP32, FP64, INT32, INT64, BOOL and BYTES."),
        };
        if (bytes.Length % width != 0 || bytes.Length / width != count)
        {
            throw Malformed($"Input '{name}' has binary_data_size {bytes.Length}; {count} {dataType} elements take {((decimal)count * width).ToString(CultureInfo.InvariantCulture)} bytes.");
        }

        switch (dataType)
        {
            case "FP32": return Read<float>(bytes, BinaryPrimitives.ReadSingleLittleEndian);
            case "FP64": return Read<double>(bytes, BinaryPrimitives.ReadDoubleLittleEndian);
            case "INT32": return Read<int>(bytes, BinaryPrimitives.ReadInt32LittleEndian);
            case "INT64": return Read<long>(bytes, BinaryPrimitives.ReadInt64LittleEndian);
            default:
                var flags = new bool[count];
                for (var i = 0; i < flags.Length; i++)
                {
                    flags[i] = bytes[i] switch
                    {
                        0 => false,
                        1 => true,
                        _ => throw Malformed($"Input '{name}' is BOOL; byte {i} is {bytes[i]}, not 0 or 1."),
                    };
                }

                return flags;
        }
    }

    /// <summary>The size of an output's binary form.</summary>
    public static long SizeOf(Array data) => data switch
    {
        string[] s => s.Sum(v => 4L + Encoding.UTF8.GetByteCount(v)),
        bool[] b => b.Length,
        _ => (long)data.Length * Marshal.SizeOf(data.GetType().GetElementType()!),
    };

    /// <summary>Writes an output's binary form.</summary>
    public static void Write(IBufferWriter<byte> writer, Array data)
    {
        switch (data)
        {
            case float[] f: WriteAll(writer, f, 4, BinaryPrimitives.WriteSingleLittleEndian); break;
            case double[] d: WriteAll(writer, d, 8, BinaryPrimitives.WriteDoubleLittleEndian); break;
            case int[] i: WriteAll(writer, i, 4, BinaryPrimitives.WriteInt32LittleEndian); break;
            case long[] l: WriteAll(writer, l, 8, BinaryPrimitives.WriteInt64LittleEndian); break;
            case bool[] b: WriteAll(writer, b, 1, (span, v) => span[0] = v ? (byte)1 : (byte)0); break;
            case string[] s:
                foreach (var v in s)
                {
                    var length = Encoding.UTF8.GetByteCount(v);
                    var span = writer.GetSpan(4 + length);
                    BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
                    Encoding.UTF8.GetBytes(v, span[4..]);
                    writer.Advance(4 + length);
                }

                break;
            default:
                throw new InvalidOperationException($"Outputs of type {data.GetType().Name} have no binary form here.");
        }
    }

    /// <summary>A request whose binary part does not match its header (sizes, lengths, leftovers): 400.</summary>
    public static BinaryTensorException Malformed(string message) => new(message);

    private static string[] DecodeStrings(string name, long count, ReadOnlySpan<byte> bytes)
    {
        var values = new List<string>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 4)
            {
                throw Malformed($"Input '{name}' (BYTES) ends inside an element's 4-byte length at byte {offset}.");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            offset += 4;
            if (length > (uint)(bytes.Length - offset))
            {
                throw Malformed($"Input '{name}' (BYTES) has an element of {length} bytes at byte {offset - 4}; only {bytes.Length - offset} are left.");
            }

            try
            {
                values.Add(StrictUtf8.GetString(bytes.Slice(offset, (int)length)));
            }
            catch (DecoderFallbackException)
            {
                throw Malformed($"Input '{name}' (BYTES) has an element that is not UTF-8 text.");
            }

            offset += (int)length;
            if (values.Count > count)
            {
                break;
            }
        }

        if (values.Count != count)
        {
            throw Malformed($"Input '{name}' (BYTES) has {values.Count}{(values.Count > count ? " or more" : string.Empty)} elements in its binary data; its shape needs {count}.");
        }

        return [.. values];
    }

    private delegate T Reader<T>(ReadOnlySpan<byte> source);

    private static T[] Read<T>(ReadOnlySpan<byte> bytes, Reader<T> read)
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var values = new T[bytes.Length / size];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = read(bytes.Slice(i * size, size));
        }

        return values;
    }

    private delegate void Writer<T>(Span<byte> target, T value);

    private static void WriteAll<T>(IBufferWriter<byte> writer, T[] values, int size, Writer<T> write)
    {
        const int Chunk = 4096;
        for (var start = 0; start < values.Length; start += Chunk)
        {
            var n = Math.Min(Chunk, values.Length - start);
            var span = writer.GetSpan(n * size);
            for (var i = 0; i < n; i++)
            {
                write(span.Slice(i * size, size), values[start + i]);
            }

            writer.Advance(n * size);
        }
    }
}
