using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Security;

internal static class SecurityTestExtensions
{
    public static async Task<string> MintTokenAsync(this HttpClient client, string scope = "ReadWrite")
    {
        var response = await client.PostAsJsonAsync("/api/v1/me/tokens", new { name = "t-" + Guid.NewGuid().ToString("N")[..6], scope, expiresInDays = 7 }, JsonDefaults.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!.Value;
    }

    public static HttpClient WithBearer(this HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", body);
        JsonDocument.Parse(body).RootElement.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:" + code, body);
    }
}
