using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Components.Shared;

public static class LocalizerExtensions
{
    /// <summary>The localized name of a job kind, or the kind itself when it has none.</summary>
    public static string JobKind(this IStringLocalizer localizer, string kind)
    {
        var label = localizer[$"JobKind.{kind}"];
        return label.ResourceNotFound ? kind : label.Value;
    }

    /// <summary>
    /// The localized name of an enum value, from <c>Enum.&lt;Type&gt;.&lt;Value&gt;</c> (e.g. <c>Enum.TrainingBackend.Local</c>),
    /// or the value's own name when the resources have none — so pages never show a raw <c>Tpe</c> or <c>Csv</c> in Chinese.
    /// </summary>
    public static string EnumName<T>(this IStringLocalizer localizer, T value)
        where T : struct, Enum
    {
        var label = localizer[$"Enum.{typeof(T).Name}.{value}"];
        return label.ResourceNotFound ? value.ToString() : label.Value;
    }

    /// <summary>The localized name of a <see cref="AiPlatform.Core.Knowledge.TextLanguage"/> code; <c>*</c> is every language, null no letters.</summary>
    public static string LanguageName(this IStringLocalizer localizer, string? code)
    {
        var label = localizer[code switch { null => "Lang.none", AiPlatform.Core.Knowledge.EmbeddingLanguages.Any => "Lang.all", _ => $"Lang.{code}" }];
        return label.ResourceNotFound ? code ?? string.Empty : label.Value;
    }

    /// <summary>The localized names of the languages an embedding model serves, joined ("English, Chinese").</summary>
    public static string LanguageNames(this IStringLocalizer localizer, IEnumerable<string> codes) =>
        string.Join(localizer["Common.ListSeparator"] is { ResourceNotFound: false } s ? s.Value : ", ", codes.Select(localizer.LanguageName));

    /// <summary>
    /// A readable message for a platform error: the localized kind of problem, then the details — in the user's language
    /// where the error names a resource for them (<see cref="AiPlatform.Core.Common.PlatformException.MessageKey"/>),
    /// else the English text.
    /// </summary>
    public static string Describe(this IStringLocalizer localizer, AiPlatform.Core.Common.PlatformException error)
    {
        var kind = localizer[$"Problem.{error.Code}"];
        var detail = Detail(localizer, error);
        // "Syntax error: …" in English, "语法错误：…" (full-width colon, no space) in Chinese.
        var separator = localizer["Problem.Separator"] is { ResourceNotFound: false } s ? s.Value : ": ";
        return kind.ResourceNotFound ? detail : kind.Value + separator + detail;
    }

    private static string Detail(IStringLocalizer localizer, AiPlatform.Core.Common.PlatformException error)
    {
        if (error.MessageKey is { } key && localizer[key, [.. error.MessageArguments]] is { ResourceNotFound: false } localized)
        {
            return localized.Value;
        }

        return error is AiPlatform.Core.Common.ValidationException v ? string.Join(" ", v.Errors.SelectMany(e => e.Value)) : error.Message;
    }

    /// <summary>Bytes as B, KB, MB, GB or TB with the current culture's number format.</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes:N0} B" : $"{value:N1} {units[unit]}";
    }
}
