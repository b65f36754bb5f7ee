using System.Text;
using System.Text.RegularExpressions;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Storage;

/// <summary>
/// The key of a stored object. Keys are built by the platform from checked segments, never taken from a
/// user's path, so no key can climb out of its area: every segment is 1-128 characters of
/// <c>[A-Za-z0-9._-]</c>, does not start with a dot, and there are at most 16 segments.
/// </summary>
public readonly partial record struct ObjectKey
{
    public const int MaxSegments = 16;

    private ObjectKey(string value) => Value = value;

    public string Value { get; }

    public static ObjectKey Create(params string[] segments)
    {
        if (segments.Length is 0 or > MaxSegments)
        {
            throw new ValidationException("key", $"An object key has 1 to {MaxSegments} segments.");
        }

        foreach (var segment in segments)
        {
            if (!IsValidSegment(segment))
            {
                throw new ValidationException("key", $"'{segment}' is not a valid object key segment.");
            }
        }

        return new ObjectKey(string.Join('/', segments));
    }

    /// <summary>Parses a key that the platform produced earlier (e.g. read back from the database).</summary>
    public static ObjectKey Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Create(value.Split('/'));
    }

    public static bool TryParse(string? value, out ObjectKey key)
    {
        key = default;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var segments = value.Split('/');
        if (segments.Length > MaxSegments || !segments.All(IsValidSegment))
        {
            return false;
        }

        key = new ObjectKey(value);
        return true;
    }

    public static bool IsValidSegment(string? segment) =>
        segment is { Length: > 0 and <= 128 } && segment[0] != '.' && SegmentPattern().IsMatch(segment);

    /// <summary>
    /// Turns a user's file name into a safe segment: path parts dropped, other characters replaced,
    /// so "../../etc/passwd" becomes "passwd" and "报告 1.csv" becomes "1.csv".
    /// </summary>
    public static string SafeSegment(string? fileName)
    {
        var name = (fileName ?? string.Empty).Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        var safe = builder.ToString().TrimStart('.', '_');
        if (safe.Length > 100)
        {
            safe = safe[^100..];
        }

        return safe.Length == 0 ? "file" : safe;
    }

    public override string ToString() => Value;

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentPattern();
}
