namespace AiPlatform.Core.Apps;

/// <summary>Writes and reads an app's export file (YAML).</summary>
public interface IAppDocumentFormat
{
    /// <summary>The file's media type (<c>text/yaml</c>).</summary>
    string ContentType { get; }

    string Write(AppDocument document);

    /// <summary>Reads a file; a malformed one is a <see cref="Common.ValidationException"/> on <c>document</c> naming the line (key <c>Apps.Error.Document</c>).</summary>
    AppDocument Read(string text);
}
