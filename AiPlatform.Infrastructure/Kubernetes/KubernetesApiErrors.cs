using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AiPlatform.Infrastructure.Kubernetes;

/// <summary>
/// Turns a failed Kubernetes API call into a sentence a user can act on: what the platform tried, what the API server
/// answered (status code, reason and the <c>message</c> of its <c>Status</c> body, never the raw JSON), and what to do.
/// </summary>
internal static class KubernetesApiErrors
{
    private const int MaxMessage = 400;

    /// <summary>A <c>Status.reason</c> is one CamelCase word (AlreadyExists); anything longer is cut.</summary>
    private const int MaxReason = 64;

    /// <summary>
    /// Describes <paramref name="e"/> as the failure to <paramref name="action"/> (e.g. "create the Job ns/name");
    /// <paramref name="role"/> names the RBAC Role the platform's account needs; <paramref name="secret"/> is blanked
    /// out of anything the API server echoed.
    /// </summary>
    public static string Describe(Exception e, string action, string role, string? secret = null)
    {
        if (e is not HttpOperationException http)
        {
            return $"Could not reach the Kubernetes API server to {action}: {Clean(e.Message, secret, MaxMessage)}";
        }

        var code = (int)http.Response.StatusCode;
        var status = Status(http.Response.Content);
        var reason = status?.Reason is { Length: > 0 } r ? Clean(r, secret, MaxReason) : http.Response.StatusCode.ToString();
        var said = status?.Message is { Length: > 0 } m ? $" Kubernetes said: \"{Clean(m, secret, MaxMessage)}\"." : string.Empty;
        return http.Response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => $"Kubernetes did not accept the platform's credentials when it tried to {action} ({code} {reason}).{said} Check the platform's service account token or kubeconfig.",
            HttpStatusCode.Forbidden => $"The platform is not allowed to {action}: permission denied ({code} {reason}).{said} Grant the platform's service account this permission (the Role {role}).",
            HttpStatusCode.Conflict => $"Could not {action}: it already exists or was changed meanwhile ({code} {reason}).{said}",
            HttpStatusCode.NotFound => $"Could not {action}: Kubernetes found no such object or namespace ({code} {reason}).{said}",
            HttpStatusCode.UnprocessableEntity => $"Kubernetes rejected the request to {action} as invalid ({code} {reason}).{said}",
            HttpStatusCode.TooManyRequests => $"The Kubernetes API server is overloaded and did not {action} ({code} {reason}).{said}",
            _ when code >= 500 => $"The Kubernetes API server failed to {action} ({code} {reason}).{said}",
            _ => $"Kubernetes refused to {action} ({code} {reason}).{said}",
        };
    }

    public static bool IsStatus(Exception e, HttpStatusCode code) => e is HttpOperationException http && http.Response.StatusCode == code;

    /// <summary>Worth trying again: the API server failed or throttled, or the connection broke or timed out.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        HttpOperationException http => (int)http.Response.StatusCode >= 500 || http.Response.StatusCode == HttpStatusCode.TooManyRequests,
        HttpRequestException or IOException or TaskCanceledException => true,
        _ => false,
    };

    /// <summary>A failed API call (refusal, broken connection, timeout): the exceptions <see cref="Describe"/> explains.</summary>
    public static bool IsApiFailure(Exception e) => e is HttpOperationException or HttpRequestException or IOException or TaskCanceledException;

    private static V1Status? Status(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        try
        {
            return KubernetesJson.Deserialize<V1Status>(content);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Blanks the secret out, then cuts the text to <paramref name="max"/> characters (in this order: cut first, a
    /// secret across the cut would leave its prefix behind, which no longer matches).
    /// </summary>
    private static string Clean(string text, string? secret, int max)
    {
        var redacted = string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);
        return redacted.Length <= max ? redacted : redacted[..max] + "…";
    }
}
