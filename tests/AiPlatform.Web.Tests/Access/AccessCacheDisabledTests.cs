using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Access;

/// <summary><c>Platform:AccessCache:Enabled=false</c>: every check reads the database again, and revocation still works at once.</summary>
public sealed class AccessCacheDisabledTests : IAsyncLifetime
{
    private readonly UncachedFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
    }

    [Fact]
    public async Task Turned_off_the_cache_reads_the_database_on_every_call_and_a_revoked_token_fails_at_once()
    {
        var admin = _factory.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/me/tokens", new { name = "ci", scope = "Read", expiresInDays = 7 }, JsonDefaults.Options);
        var token = (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!;
        var bearer = _factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        (await bearer.GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        _factory.Recorder.Take();

        (await bearer.GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        _factory.Recorder.Take().ShouldNotBeEmpty("with the cache off the token is looked up again");

        (await admin.DeleteAsync($"/api/v1/me/tokens/{token.Token.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await bearer.GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private sealed class UncachedFactory : PlatformWebFactoryBase
    {
        public RequestCommandRecorder Recorder { get; } = new();

        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Platform:AccessCache:Enabled", "false");
            Recorder.AttachTo(builder);
        }
    }
}
