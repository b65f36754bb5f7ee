namespace AiPlatform.Core.Common;

/// <summary>Input was rejected; <see cref="Errors"/> maps each field to what is wrong with it.</summary>
public sealed class ValidationException : PlatformException
{
    public const string DefaultCode = "validation";

    public ValidationException(string field, string error)
        : this(new Dictionary<string, string[]> { [field] = [error] })
    {
    }

    public ValidationException(IReadOnlyDictionary<string, string[]> errors)
        : this(errors, DefaultCode)
    {
    }

    /// <param name="code">A more specific stable code than <c>validation</c> (e.g. <c>sql-not-read-only</c>); still a 400.</param>
    public ValidationException(IReadOnlyDictionary<string, string[]> errors, string code)
        : base(code, "One or more fields are invalid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")))
    {
        Errors = errors;
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; }
}
