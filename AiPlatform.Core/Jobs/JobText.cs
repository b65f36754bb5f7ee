using System.Globalization;
using System.Text.Json;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// A job title or log line by resource key and arguments, so each reader sees it in their own language
/// (e.g. <c>JobLog.Started</c> with <c>["2"]</c>). The English text is stored next to it for the API and old readers.
/// </summary>
public sealed record JobText(string Key, IReadOnlyList<string> Arguments)
{
    /// <summary>Marks an argument that is an enum value, shown by its localized name (<c>Enum.&lt;Type&gt;.&lt;Value&gt;</c>).</summary>
    public const string EnumPrefix = "enum:";

    /// <summary>
    /// A text whose arguments are formatted with the invariant culture (numbers as 1234.5, dates ISO); an enum value is
    /// stored as <c>enum:Type.Value</c> so the reader sees its localized name ("二分类", not "BinaryClassification").
    /// </summary>
    public static JobText Of(string key, params object?[] arguments) =>
        new(key, arguments.Select(a => a switch
        {
            null => string.Empty,
            Enum e => $"{EnumPrefix}{e.GetType().Name}.{e}",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => a.ToString() ?? string.Empty,
        }).ToList());

    /// <summary>The arguments as stored in the database (a JSON array of strings), or null when there are none.</summary>
    public string? ArgumentsJson => Arguments.Count == 0 ? null : JsonSerializer.Serialize(Arguments);

    /// <summary>The text a stored key and arguments stand for; null when no key was stored (rows written before keys existed).</summary>
    public static JobText? FromStored(string? key, string? argumentsJson) =>
        string.IsNullOrEmpty(key) ? null : new JobText(key, string.IsNullOrEmpty(argumentsJson) ? [] : JsonSerializer.Deserialize<List<string>>(argumentsJson) ?? []);
}
