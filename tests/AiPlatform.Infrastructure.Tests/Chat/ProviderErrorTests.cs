using System.ClientModel;
using System.Net;
using System.Text;
using AiPlatform.Core.Chat;
using AiPlatform.Infrastructure.Chat;
using Microsoft.Extensions.AI;

namespace AiPlatform.Infrastructure.Tests.Chat;

/// <summary>
/// A provider's HTTP refusal leaves the connector's chat client as the platform's <see cref="ProviderException"/>, not
/// the SDK's error: the provider's own words and retry hints, the SDK's message kept for chat's answer error.
/// </summary>
public sealed class ProviderErrorTests
{
    [Fact]
    public async Task A_providers_429_becomes_a_provider_exception_with_its_message_and_retry_hints_streamed_or_not()
    {
        var client = Client(() =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
            {
                Content = new StringContent("""{"error":{"message":"Refused with 429: slow down","type":"rate_limit_exceeded"}}""", Encoding.UTF8, "application/json"),
            };
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            response.Headers.Add("retry-after-ms", "6500");
            return response;
        });

        var plain = await Should.ThrowAsync<ProviderException>(() => client.GetResponseAsync("Hi"));
        var streamed = await Should.ThrowAsync<ProviderException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Hi"))
            {
            }
        });

        foreach (var refused in new[] { plain, streamed })
        {
            refused.Status.ShouldBe(429);
            refused.Detail.ShouldBe("Refused with 429: slow down");
            refused.RetryAfter.ShouldBe(TimeSpan.FromSeconds(7));
            refused.RetryAfterMilliseconds.ShouldBe(6500);
            refused.Message.ShouldBe(refused.InnerException.ShouldBeOfType<ClientResultException>().Message);
        }
    }

    [Fact]
    public async Task A_refusal_without_an_openai_error_body_or_retry_hints_keeps_the_sdks_message_as_its_detail()
    {
        var client = Client(() => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("upstream down") });

        var refused = await Should.ThrowAsync<ProviderException>(() => client.GetResponseAsync("Hi"));

        refused.Status.ShouldBe(502);
        refused.Detail.ShouldBe(refused.Message);
        refused.RetryAfter.ShouldBeNull();
        refused.RetryAfterMilliseconds.ShouldBeNull();
    }

    private static IChatClient Client(Func<HttpResponseMessage> answer) =>
        new OpenAiConnector(new Factory(answer), new ChatProviderOptions()).CreateChatClient("http://provider.invalid/v1", "key", "model");

    private sealed class Factory(Func<HttpResponseMessage> answer) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new Handler(answer));
    }

    private sealed class Handler(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer());
    }
}
