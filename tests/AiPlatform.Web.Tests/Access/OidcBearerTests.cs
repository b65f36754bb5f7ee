using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Access;

/// <summary>IdP-issued JWT bearer tokens (Keycloak client credentials) against a real OpenID provider.</summary>
public sealed class OidcBearerTests : IAsyncLifetime
{
    private OidcProviderProcess _provider = default!;
    private OidcFactory _factory = default!;

    public async Task InitializeAsync()
    {
        _provider = await OidcProviderProcess.StartAsync(OidcProviderProcess.FreePort(), "http://127.0.0.1:1/signin-oidc");
        _factory = new OidcFactory(_provider.Authority);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_client_credentials_token_is_accepted_and_its_service_account_gets_the_mapped_role()
    {
        var token = await GetTokenAsync(_provider, "aiplatform-cli", "cli-secret");
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await client.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options);

        me!.UserName.ShouldBe("service-account-aiplatform-cli");
        me.Roles.ShouldBe([SystemRoles.Admin]);
        (await client.GetAsync("/api/v1/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tampered_and_malformed_tokens_are_refused()
    {
        var token = await GetTokenAsync(_provider, "aiplatform-cli", "cli-secret");
        var parts = token.Split('.');
        var tampered = $"{parts[0]}.{parts[1]}x.{parts[2]}";
        var client = _factory.CreateClient();

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tampered);
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-jwt");
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_refused_although_its_signature_checks_out()
    {
        // A second provider: another realm on another port, so another issuer. Both sign with oidc-provider's built-in
        // development key (asserted), audience and client are the same: only the issuer tells the tokens apart.
        await using var foreign = await OidcProviderProcess.StartAsync(OidcProviderProcess.FreePort(), "http://127.0.0.1:1/signin-oidc", realm: "elsewhere");
        using (var http = new HttpClient())
        {
            (await http.GetStringAsync($"{foreign.Authority}/jwks")).ShouldBe(await http.GetStringAsync($"{_provider.Authority}/jwks"), "both providers sign with the same key");
        }

        var foreignToken = await GetTokenAsync(foreign, "aiplatform-cli", "cli-secret");
        Claim(foreignToken, "iss").ShouldBe(foreign.Authority);
        Claim(foreignToken, "aud").ShouldBe("api://aiplatform");
        var client = _factory.CreateClient();

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await GetTokenAsync(_provider, "aiplatform-cli", "cli-secret"));
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the platform's own provider's token works");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", foreignToken);
        var refused = await client.GetAsync("/api/v1/me");

        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Headers.WwwAuthenticate.ToString().ShouldContain("invalid_token");
        refused.Headers.WwwAuthenticate.ToString().ShouldContain("issuer", Case.Insensitive);
    }

    [Fact]
    public async Task An_expired_token_is_refused_once_its_lifetime_and_the_clock_skew_have_passed()
    {
        await using var provider = await OidcProviderProcess.StartAsync(OidcProviderProcess.FreePort(), "http://127.0.0.1:1/signin-oidc", tokenLifetime: TimeSpan.FromSeconds(8));
        var factory = new OidcFactory(provider.Authority, clockSkew: "00:00:01");
        try
        {
            var client = factory.CreateClient();
            (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var token = await GetTokenAsync(provider, "aiplatform-cli", "cli-secret");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the token works while it is fresh");

            // The token's own expiry decides; waiting for it is the subject of the test, not a synchronisation.
            var expires = DateTimeOffset.FromUnixTimeSeconds(long.Parse(Claim(token, "exp"), System.Globalization.CultureInfo.InvariantCulture)) + TimeSpan.FromSeconds(1);
            var wait = expires - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500);
            wait.ShouldBeLessThan(TimeSpan.FromSeconds(15), "the provider issued the short-lived token asked for");
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var refused = await client.GetAsync("/api/v1/me");
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            refused.Headers.WwwAuthenticate.ToString().ShouldContain("expired", Case.Insensitive);
        }
        finally
        {
            await factory.DisposeAsync();
            factory.DeleteData();
        }
    }

    [Fact]
    public async Task A_warm_bearer_call_provisions_from_the_access_cache_without_a_database_command()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await GetTokenAsync(_provider, "aiplatform-cli", "cli-secret"));
        for (var i = 0; i < 2; i++)
        {
            (await client.GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        _factory.Recorder.Take();
        for (var i = 0; i < 5; i++)
        {
            (await client.GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var commands = _factory.Recorder.Take();
        commands.ShouldBeEmpty($"warm IdP bearer calls ran database commands:\n{string.Join("\n", commands)}");
    }

    [Fact]
    public async Task Disabling_the_provisioned_user_refuses_its_tokens()
    {
        var token = await GetTokenAsync(_provider, "aiplatform-cli", "cli-secret");
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = (await client.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!;
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "a second call, served from the access cache");

        (await _factory.CreateAdminClient().PostAsync($"/api/v1/users/{me.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_idp_bearer_user_who_must_change_the_password_gets_password_change_required()
    {
        var token = await GetTokenAsync(_provider, "aiplatform-cli", "cli-secret");
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = (await client.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!;

        (await _factory.CreateAdminClient().PostAsJsonAsync($"/api/v1/users/{me.Id}/password", new { password = "Reset-Passw0rd-1" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        foreach (var response in new[] { await client.GetAsync("/api/v1/me"), await client.PostAsJsonAsync("/api/v1/me/tokens", new { name = "escape", scope = "ReadWrite" }) })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:password-change-required");
        }
    }

    private static string Claim(string jwt, string name)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        var value = JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }

    private static async Task<string> GetTokenAsync(OidcProviderProcess provider, string clientId, string secret)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        var response = await http.PostAsync($"{provider.Authority}/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    private sealed class OidcFactory(string authority, string? clockSkew = null) : PlatformWebFactoryBase
    {
        public RequestCommandRecorder Recorder { get; } = new();

        protected override void Configure(IWebHostBuilder builder)
        {
            Recorder.AttachTo(builder);
            if (clockSkew is not null)
            {
                builder.UseSetting("Authentication:Oidc:ClockSkew", clockSkew);
            }

            builder.UseSetting("Authentication:Oidc:Enabled", "true");
            builder.UseSetting("Authentication:Oidc:Authority", authority);
            builder.UseSetting("Authentication:Oidc:ClientId", "aiplatform-web");
            builder.UseSetting("Authentication:Oidc:ClientSecret", "web-secret");
            builder.UseSetting("Authentication:Oidc:Audience", "api://aiplatform");
            builder.UseSetting("Authentication:Oidc:RequireHttpsMetadata", "false");
            builder.UseSetting("Authentication:Oidc:RoleMapping:platform-admin", SystemRoles.Admin);
            builder.UseSetting("Authentication:Oidc:RoleMapping:data-scientist", SystemRoles.ModelDeveloper);
        }
    }
}
