using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>
/// Calls the tracking API the way the MLflow Python client does (<c>rest_utils.call_endpoint</c>): GET fields as
/// query parameters, POST bodies as JSON with snake_case fields, and NaN written as the string "NaN".
/// </summary>
internal sealed class MlflowClient(HttpClient http)
{
    public HttpClient Http => http;

    public static MlflowClient WithToken(HttpClient http, string token)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new MlflowClient(http);
    }

    public async Task<(int Status, JsonElement Body)> PostAsync(string endpoint, string json)
    {
        using var response = await http.PostAsync("/api/2.0/mlflow/" + endpoint, new StringContent(json, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    public Task<(int Status, JsonElement Body)> PostAsync(string endpoint, object body) =>
        PostAsync(endpoint, JsonSerializer.Serialize(body));

    public async Task<(int Status, JsonElement Body)> GetAsync(string endpoint, params (string Name, string Value)[] query)
    {
        var q = string.Join('&', query.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        using var response = await http.GetAsync("/api/2.0/mlflow/" + endpoint + (q.Length > 0 ? "?" + q : string.Empty));
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    /// <summary>A call with another verb (PATCH, DELETE), as <c>call_endpoint</c> sends it: a JSON body, also for DELETE.</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string endpoint, object? body = null, string prefix = "/api/2.0/mlflow/")
    {
        using var request = new HttpRequestMessage(method, prefix + endpoint);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    public async Task<JsonElement> OkAsync(Task<(int Status, JsonElement Body)> call)
    {
        var (status, body) = await call;
        status.ShouldBe(200, body.ToString());
        return body;
    }

    public static async Task ShouldFailAsync(Task<(int Status, JsonElement Body)> call, int status, string errorCode)
    {
        var (actual, body) = await call;
        actual.ShouldBe(status, body.ToString());
        body.GetProperty("error_code").GetString().ShouldBe(errorCode, body.ToString());
        body.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
