using System.Text;
using System.Text.Json;
using AiPlatform.Core.Common;

namespace AiPlatform.Web.Api.Mlflow;

/// <summary>MLflow's page tokens: base64 of <c>{"offset": n}</c>.</summary>
internal static class MlflowPageToken
{
    public static string? Create(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { offset })));

    public static int Parse(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(token));
            return doc.RootElement.GetProperty("offset").GetInt32() is var offset and >= 0 ? offset : throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ValidationException("page_token", "Invalid page token, could not base64-decode.");
        }
    }
}
