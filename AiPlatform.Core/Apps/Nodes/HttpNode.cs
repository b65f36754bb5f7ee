using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The HTTP request node: GET, POST, PUT, PATCH, DELETE or HEAD to a URL template, with header and body templates, through
/// <see cref="IAppHttpClient"/> (the platform's outbound host allow-list; redirects are not followed), within
/// <c>timeoutSeconds</c>, the answer's body read up to <see cref="MaxResponseBytes"/>. Any status is an answer (a 404 or
/// 500 does not fail the node: check <c>status</c> with an if/else). Outputs <c>status</c>, <c>body</c>, <c>json</c>
/// (when the body is JSON), <c>headers</c> and <c>truncated</c>. Header values may hold the app's secrets
/// (<c>{{secret.NAME}}</c>, <see cref="AppSecretService"/>): sent only to the secret's hosts, shown as <c>***</c> in the
/// run and its trace, and replaced by <c>***</c> where the answer echoes them.
/// </summary>
public sealed partial class HttpNode(IAppHttpClient http, AppSecretReader? secrets = null) : IAppNodeExecutor
{
    public const long MaxResponseBytes = 1024 * 1024;

    public const int DefaultTimeoutSeconds = 30;

    public const int MaxTimeoutSeconds = 300;

    /// <summary>Headers that belong to the connection, not to the request: the client sets them.</summary>
    private static readonly string[] ReservedHeaders = ["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-authorization", "proxy-connection"];

    public string Type => AppNodeTypes.Http;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var method = (ServiceNodeConfig.Text(node, "method") is { Length: > 0 } m ? m.Trim() : "GET").ToUpperInvariant();
        if (!AppNodeCatalog.HttpMethods.Contains(method))
        {
            throw ServiceNodeConfig.Invalid(node, "method", method);
        }

        var urlTemplate = ServiceNodeConfig.RequiredText(node, "url").Trim();
        // A URL that is one reference is used as it is; values inserted into a URL's text are encoded, so they cannot add
        // path segments, a query or a user, nor change the host.
        var urlText = (AppVariables.AsSingleReference(urlTemplate) is not null
            ? context.Render(urlTemplate)
            : AppVariables.Render(urlTemplate, r => context.Resolve(r.Text), (value, _) => Uri.EscapeDataString(AppVariables.ToText(value)))).Trim();
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            throw new ValidationException("url", $"Node '{node.Id}': '{ServiceNodeConfig.Excerpt(urlText)}' is not an http(s) URL.") { MessageKey = "Apps.Error.HttpUrl", MessageArguments = [node.Id, ServiceNodeConfig.Excerpt(urlText)] };
        }

        if (FixedOrigin(urlTemplate) is { } origin
            && (!url.Scheme.Equals(origin.Scheme, StringComparison.OrdinalIgnoreCase) || !url.Host.Equals(origin.Host, StringComparison.OrdinalIgnoreCase) || url.Port != origin.Port))
        {
            throw new ValidationException("url", $"Node '{node.Id}': the values put into the URL changed its host from {origin.Authority} to {url.Authority}.")
            {
                MessageKey = "Apps.Error.HttpUrlChanged",
                MessageArguments = [node.Id, origin.Authority, url.Authority],
            };
        }

        var timeout = ServiceNodeConfig.Integer(node, "timeoutSeconds", 1, MaxTimeoutSeconds) ?? DefaultTimeoutSeconds;
        var headers = new List<KeyValuePair<string, string>>();
        var shownHeaders = new JsonObject();
        var used = new Dictionary<string, AppSecretValue>(StringComparer.Ordinal);
        var secretsOn = new Lazy<bool>(() => !HasNode(context.Request.Graph, AppVariables.Secret));
        foreach (var (name, template) in ServiceNodeConfig.Object(node, "headers") ?? [])
        {
            var secret = false;
            foreach (var reference in AppVariables.FindReferences(template).Where(r => r.Root == AppVariables.Secret && secretsOn.Value))
            {
                await SecretAsync(context, reference.Field ?? string.Empty, url, used, ct);
                secret = true;
            }

            var value = (secret && template is JsonValue t && t.TryGetValue<string>(out var text)
                ? JsonValue.Create(AppVariables.Render(text, r => r.Root == AppVariables.Secret ? JsonValue.Create(used[r.Field!].Value) : context.Resolve(r.Text)))
                : ServiceNodeConfig.Value(context, template)) switch
            {
                null => string.Empty,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                var other => other.ToJsonString(),
            };
            if (!HeaderName().IsMatch(name) || ReservedHeaders.Contains(name.ToLowerInvariant()) || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                throw new ValidationException("headers", $"Node '{node.Id}': the header '{name}' cannot be sent.") { MessageKey = "Apps.Error.HttpHeader", MessageArguments = [node.Id, name] };
            }

            headers.Add(new(name, value));
            shownHeaders[name] = secret || IsSecret(name) ? "***" : value;
        }

        var bodyTemplate = ServiceNodeConfig.Text(node, "body");
        string? body = null;
        if (method is not ("GET" or "HEAD") && !string.IsNullOrEmpty(bodyTemplate))
        {
            var contentType = headers.FirstOrDefault(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value;
            var json = contentType is null ? bodyTemplate.TrimStart() is ['{' or '[', ..] : contentType.Contains("json", StringComparison.OrdinalIgnoreCase);
            body = json ? RenderJson(context, bodyTemplate) : context.Render(bodyTemplate);
        }

        if (body is not null && !headers.Any(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Add(new("Content-Type", LooksLikeJson(body) ? "application/json; charset=utf-8" : "text/plain; charset=utf-8"));
        }

        var inputs = new JsonObject { ["method"] = method, ["url"] = url.ToString(), ["headers"] = shownHeaders, ["body"] = body, ["timeoutSeconds"] = timeout };
        AppHttpResponse response;
        try
        {
            response = await http.SendAsync(new AppHttpRequest(method, url, headers, body, TimeSpan.FromSeconds(timeout), MaxResponseBytes), ct);
        }
        catch (TimeoutException)
        {
            throw new ValidationException("timeoutSeconds", $"Node '{node.Id}': {url.Host} did not answer within {timeout} s.") { MessageKey = "Apps.Error.HttpTimeout", MessageArguments = [node.Id, url.Host, timeout] };
        }
        catch (HttpRequestException e)
        {
            var detail = ServiceNodeConfig.Excerpt(e.InnerException?.Message ?? e.Message);
            throw new ValidationException("url", $"Node '{node.Id}': the request to {url.Host} failed: {detail}") { MessageKey = "Apps.Error.HttpFailed", MessageArguments = [node.Id, url.Host, detail] };
        }

        var responseHeaders = new JsonObject();
        foreach (var (name, value) in response.Headers)
        {
            responseHeaders[name] = Mask(value, used);
        }

        var answer = Mask(response.Body, used);
        var outputs = new JsonObject
        {
            ["status"] = response.Status,
            ["body"] = answer,
            ["json"] = response.Truncated ? null : TryJson(answer),
            ["headers"] = responseHeaders,
            ["truncated"] = response.Truncated,
        };
        context.Span.SetAttribute("http.status", response.Status.ToString(CultureInfo.InvariantCulture));
        return new NodeOutcome(outputs) { Inputs = inputs };
    }

    /// <summary>Whether the app's graph (bodies included) has a node of that id: a node named "secret" shadows the secrets.</summary>
    private static bool HasNode(AppGraph graph, string id) =>
        graph.Nodes.Any(n => n.Id == id || (AppNodeCatalog.HasBody(n.Type) && AppNodeCatalog.Body(n) is { } body && HasNode(body, id)));

    /// <summary>Looks a secret of the app up once per node run and checks it may go to the URL's host.</summary>
    private async Task SecretAsync(NodeRunContext context, string name, Uri url, Dictionary<string, AppSecretValue> used, CancellationToken ct)
    {
        var node = context.Node;
        if (used.ContainsKey(name))
        {
            return;
        }

        var secret = secrets is null ? null : await secrets.FindAsync(context.Request.App.Id, name, ct);
        if (secret is null)
        {
            throw new ValidationException("headers", $"Node '{node.Id}': the app has no secret '{name}'.") { MessageKey = "Apps.Error.SecretMissing", MessageArguments = [node.Id, name] };
        }

        if (!secret.AllowsHost(url.Host))
        {
            throw new ValidationException("url", $"Node '{node.Id}': the secret '{name}' may not be sent to {url.Host} (only to {string.Join(", ", secret.Hosts)}).")
            {
                MessageKey = "Apps.Error.SecretHost",
                MessageArguments = [node.Id, name, url.Host, string.Join(", ", secret.Hosts)],
            };
        }

        used[name] = secret;
    }

    /// <summary>The text with every secret value sent replaced by <c>***</c> (an answer that echoes a header back).</summary>
    private static string Mask(string text, Dictionary<string, AppSecretValue> used)
    {
        foreach (var secret in used.Values)
        {
            if (secret.Value.Length > 0)
            {
                text = text.Replace(secret.Value, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>The scheme, host and port a URL template's literal text fixes (null when a reference stands in them).</summary>
    private static Uri? FixedOrigin(string template)
    {
        var schemeEnd = template.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }

        var authorityEnd = template.IndexOfAny(['/', '?', '#'], schemeEnd + 3);
        var prefix = authorityEnd < 0 ? template : template[..authorityEnd];
        return !prefix.Contains("{{", StringComparison.Ordinal) && Uri.TryCreate(prefix, UriKind.Absolute, out var origin) && origin.Host.Length > 0 ? origin : null;
    }

    /// <summary>
    /// A JSON body template with its values escaped for where they stand: inside a string as string content, elsewhere
    /// as a JSON value (a number, true, false or null written as text stays that literal), so a value cannot add keys.
    /// </summary>
    private static string RenderJson(NodeRunContext context, string template) =>
        AppVariables.Render(template, r => context.Resolve(r.Text), (value, index) =>
        {
            if (InJsonString(template, index))
            {
                var encoded = JsonSerializer.Serialize(AppVariables.ToText(value));
                return encoded[1..^1];
            }

            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && JsonLiteral().IsMatch(v.GetValue<string>()))
            {
                return v.GetValue<string>().Trim();
            }

            return value?.ToJsonString() ?? "null";
        });

    /// <summary>Whether the template's text before <paramref name="index"/> leaves an open JSON string (references hold no quotes).</summary>
    private static bool InJsonString(string template, int index)
    {
        var inString = false;
        for (var i = 0; i < index; i++)
        {
            if (template[i] == '\\' && inString)
            {
                i++;
            }
            else if (template[i] == '"')
            {
                inString = !inString;
            }
        }

        return inString;
    }

    private static JsonNode? TryJson(string body)
    {
        if (!LooksLikeJson(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool LooksLikeJson(string text) => text.TrimStart() is { Length: > 0 } t && (t[0] is '{' or '[' or '"' || char.IsDigit(t[0]) || t[0] == '-' || t.StartsWith("true", StringComparison.Ordinal) || t.StartsWith("false", StringComparison.Ordinal) || t.StartsWith("null", StringComparison.Ordinal));

    /// <summary>Credentials are sent but not recorded in the run's inputs.</summary>
    private static bool IsSecret(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Contains("key", StringComparison.OrdinalIgnoreCase)
        || name.Contains("token", StringComparison.OrdinalIgnoreCase) || name.Contains("secret", StringComparison.OrdinalIgnoreCase) || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^\s*(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonLiteral();
}
