namespace AiPlatform.Web.Api;

/// <summary>Stable problem-details <c>type</c> values; clients may switch on them.</summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:aiplatform:problem:";

    public static string For(string code) => Prefix + code;

    public static string ForStatus(int status) => status switch
    {
        400 => For("bad-request"),
        401 => For("unauthenticated"),
        403 => For("forbidden"),
        404 => For("not-found"),
        405 => For("method-not-allowed"),
        409 => For("conflict"),
        413 => For("payload-too-large"),
        415 => For("unsupported-media-type"),
        422 => For("validation"),
        _ when status >= 500 => For("server-error"),
        _ => For("http-" + status),
    };
}
