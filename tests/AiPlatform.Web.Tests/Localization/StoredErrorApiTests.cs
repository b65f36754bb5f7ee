using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Localization;

/// <summary>The REST API keeps the English text of a stored failure and adds the resource key and its arguments.</summary>
public sealed class StoredErrorApiTests : ApiTestBase
{
    [Fact]
    public async Task A_version_that_failed_registration_returns_its_english_message_with_the_key_and_arguments()
    {
        var model = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/models", new { name = "not-a-model" })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();

        var upload = await Admin.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent("not a model"u8.ToArray()));
        upload.StatusCode.ShouldBe(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());

        var read = await Admin.GetAsync($"/api/v1/models/{model}/versions/1");
        var version = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("version");
        version.GetProperty("statusMessage").GetString().ShouldStartWith("'model.onnx' is not a loadable ONNX model");
        version.GetProperty("statusMessageKey").GetString().ShouldBe("Error.ModelNotLoadable");
        version.GetProperty("statusMessageArguments").GetString().ShouldBe("""["model.onnx"]""");
    }
}
