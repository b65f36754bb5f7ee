using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Per-app API keys: shown once and stored hashed, the AppKey scheme (own app's run endpoint only), revocation, rate limit and daily budget.</summary>
public sealed class AppKeyApiTests : ApiTestBase
{
    [Fact]
    public async Task A_key_is_shown_once_stored_as_its_hash_runs_its_app_as_the_publisher_and_fails_once_revoked()
    {
        var id = await AppApi.CreateAsync(Admin, "keyed");
        await AppApi.PublishAsync(Admin, id, AppApi.Workflow("{{ name }} ran as {{ user }}"));

        var created = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "ci" }), HttpStatusCode.Created);
        var secret = created.GetProperty("key").GetString()!;
        secret.ShouldMatch("^aipk_[0-9a-f]{48}$");
        var keyId = created.GetProperty("info").GetProperty("id").GetGuid();
        created.GetProperty("info").GetProperty("prefix").GetString().ShouldBe(secret[..11]);

        var list = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/keys"), HttpStatusCode.OK);
        list.GetRawText().ShouldNotContain(secret, Case.Sensitive, "the secret is never shown again");
        list.EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("ci");
        var stored = (await Factory.Services.GetRequiredService<IAppStore>().ListKeysAsync(id, CancellationToken.None)).Single();
        stored.Hash.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));
        stored.Hash.ShouldNotContain(secret[5..]);

        using var client = KeyClient(secret);
        var result = await AppApi.JsonAsync(client.PostAsJsonAsync("/api/v1/apps/keyed/run", new { inputs = new { name = "bot" } }), HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("Succeeded", result.GetRawText());
        result.GetProperty("outputs").GetProperty("text").GetString()!.ShouldStartWith("bot ran as admin");
        var run = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs/{result.GetProperty("runId").GetGuid()}"), HttpStatusCode.OK);
        run.GetProperty("callerId").GetGuid().ShouldBe(await AppApi.UserIdAsync(Admin), "the key's creator is the caller");
        // The record is written in the background (AppRunRecorder); this reads the store itself, so it waits for it.
        await Factory.Services.GetRequiredService<AppRunRecorder>().WaitForRunAsync(result.GetProperty("runId").GetGuid());
        (await Factory.Services.GetRequiredService<IAppStore>().FindRunAsync(result.GetProperty("runId").GetGuid(), CancellationToken.None))!.ApiKeyId.ShouldBe(keyId);

        var audit = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/audit?objectId={id}&pageSize=50"), HttpStatusCode.OK);
        audit.GetRawText().ShouldNotContain(secret[5..]);
        (await Admin.DeleteAsync($"/api/v1/apps/{id}/keys/{keyId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var actions = (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/audit?objectId={id}&pageSize=50"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        actions.ShouldContain("app.key.create");
        actions.ShouldContain("app.key.revoke");

        var revoked = await client.PostAsJsonAsync("/api/v1/apps/keyed/run", new { inputs = new { name = "bot" } });
        revoked.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var forged = KeyClient("aipk_" + new string('0', 48));
        (await forged.PostAsJsonAsync("/api/v1/apps/keyed/run", new { inputs = new { name = "bot" } })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_key_runs_only_its_own_app_and_nothing_else()
    {
        var a = await AppApi.CreateAsync(Admin, "app-a");
        await AppApi.PublishAsync(Admin, a, AppApi.Workflow("A {{ name }}"));
        var b = await AppApi.CreateAsync(Admin, "app-b");
        await AppApi.PublishAsync(Admin, b, AppApi.Workflow("B {{ name }}"));
        var secret = (await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{a}/keys", new { name = "a" }), HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var client = KeyClient(secret);

        (await client.PostAsJsonAsync("/api/v1/apps/app-a/run", new { inputs = new { name = "x" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await AppApi.ProblemAsync(await client.PostAsJsonAsync("/api/v1/apps/app-b/run", new { inputs = new { name = "x" } }), HttpStatusCode.NotFound, "not-found", null);
        (await client.PostAsJsonAsync("/api/v1/apps/nope/run", new { inputs = new { } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await client.GetAsync("/api/v1/apps")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync($"/api/v1/apps/{a}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/v1/apps/app-a/published")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync($"/api/v1/apps/{a}/keys")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync($"/api/v1/apps/{a}/draft/run", new { inputs = new { } })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync($"/api/v1/apps/{a}/keys", new { name = "more" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/v1/models")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/")).StatusCode.ShouldNotBe(HttpStatusCode.OK, "pages take the cookie only");
    }

    [Fact]
    public async Task Only_manage_may_create_list_or_revoke_keys()
    {
        var id = await AppApi.CreateAsync(Admin, "guarded");
        var key = (await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "k" }), HttpStatusCode.Created)).GetProperty("info").GetProperty("id").GetGuid();
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        (await reader.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.NotFound, "cannot read it at all");
        await AppApi.GrantAsync(Admin, reader, id, "Read");
        await AppApi.ProblemAsync(await reader.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "mine" }), HttpStatusCode.Forbidden, "forbidden", null);
        (await reader.GetAsync($"/api/v1/apps/{id}/keys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.DeleteAsync($"/api/v1/apps/{id}/keys/{key}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var writer = await CreateUserAsync("writer", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, writer, id, "Write");
        (await writer.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = " " }), HttpStatusCode.BadRequest, "validation", "Apps.Keys.Error.Name");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "x", rateLimitPerMinute = 0 }), HttpStatusCode.BadRequest, "validation", "Apps.Keys.Error.RateLimit");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "x", dailyTokenBudget = 0 }), HttpStatusCode.BadRequest, "validation", "Apps.Keys.Error.Budget");
        (await Admin.DeleteAsync($"/api/v1/apps/{id}/keys/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_or_its_daily_budget_gets_429_with_retry_after()
    {
        var id = await AppApi.CreateAsync(Admin, "limited");
        await AppApi.PublishAsync(Admin, id, AppApi.Workflow("hi {{ name }}"));
        var limited = (await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "two a minute", rateLimitPerMinute = 2 }), HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var client = KeyClient(limited);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 3; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/apps/limited/run", new { inputs = new { name = "x" } });
            statuses.Add(response.StatusCode);
            refused = response;
        }

        // Two fit in a minute; a minute boundary between the calls could let the third through, so at least one of three more is refused then.
        if (statuses[2] != HttpStatusCode.TooManyRequests)
        {
            refused = await client.PostAsJsonAsync("/api/v1/apps/limited/run", new { inputs = new { name = "x" } });
            refused = refused.StatusCode == HttpStatusCode.TooManyRequests ? refused : await client.PostAsJsonAsync("/api/v1/apps/limited/run", new { inputs = new { name = "x" } });
        }

        statuses[0].ShouldBe(HttpStatusCode.OK);
        await AppApi.ProblemAsync(refused!, HttpStatusCode.TooManyRequests, "rate-limited", "Apps.Keys.Error.RateLimited");
        var wait = refused!.Headers.RetryAfter!.Delta!.Value;
        wait.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        var budgeted = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/keys", new { name = "budget", dailyTokenBudget = 100 }), HttpStatusCode.Created);
        using var spender = KeyClient(budgeted.GetProperty("key").GetString()!);
        var first = await AppApi.JsonAsync(spender.PostAsJsonAsync("/api/v1/apps/limited/run", new { inputs = new { name = "x" } }), HttpStatusCode.OK);

        // The template app uses no tokens; the day's earlier runs of this key (e.g. with an LLM node) used 100.
        var store = Factory.Services.GetRequiredService<IAppStore>();
        await Factory.Services.GetRequiredService<AppRunRecorder>().WaitForRunAsync(first.GetProperty("runId").GetGuid());
        var run = (await store.FindRunAsync(first.GetProperty("runId").GetGuid(), CancellationToken.None))!;
        run.PromptTokens = 60;
        run.CompletionTokens = 40;
        await store.SaveRunsAsync([new(run, false)], CancellationToken.None);

        var over = await spender.PostAsJsonAsync("/api/v1/apps/limited/run", new { inputs = new { name = "x" } });
        await AppApi.ProblemAsync(over, HttpStatusCode.TooManyRequests, "rate-limited", "Apps.Keys.Error.BudgetUsed");
        var untilMidnight = DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1) - DateTime.UtcNow;
        over.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBeInRange(Math.Max(1, untilMidnight.TotalSeconds - 60), untilMidnight.TotalSeconds + 60);
        (await Admin.PostAsJsonAsync("/api/v1/apps/limited/run", new { inputs = new { name = "x" } })).StatusCode.ShouldBe(HttpStatusCode.OK, "users are not limited by a key's budget");
    }

    private HttpClient KeyClient(string secret)
    {
        var client = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }
}
