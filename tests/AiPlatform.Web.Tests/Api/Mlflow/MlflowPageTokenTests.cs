using AiPlatform.Core.Common;
using AiPlatform.Web.Api.Mlflow;

namespace AiPlatform.Web.Tests.Api.Mlflow;

public sealed class MlflowPageTokenTests
{
    [Fact]
    public void Page_tokens_are_mlflows_base64_offsets()
    {
        var token = MlflowPageToken.Create(250)!;
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token)).ShouldBe("{\"offset\":250}");
        MlflowPageToken.Parse(token).ShouldBe(250);
        Should.Throw<ValidationException>(() => MlflowPageToken.Parse("%%%"));
        Should.Throw<ValidationException>(() => MlflowPageToken.Parse(Convert.ToBase64String("{\"offset\":-1}"u8.ToArray())));
    }
}
