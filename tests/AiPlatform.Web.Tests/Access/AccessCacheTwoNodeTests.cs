using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;
using Xunit.Abstractions;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Two instances of the platform sharing one PostgreSQL database, each with its own access cache: a change made on A
/// reaches B's warm cache through the access stamp within the poll interval (the bound is 1 s). Each wait has a deadline
/// of several seconds, so a B that is never told fails loudly, and the delay observed from the change is reported and
/// held under the bound plus a margin for a loaded machine.
/// </summary>
public sealed class AccessCacheTwoNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PollMilliseconds = 250;

    /// <summary>The bound (1 s) plus a margin for a loaded 2-core CI machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly PostgresTestDatabase _database = new();
    private NodeFactory _a = default!;
    private NodeFactory _b = default!;

    public Task InitializeAsync()
    {
        _a = new NodeFactory(_database.ConnectionString);
        _b = new NodeFactory(_database.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        _a.DeleteData();
        _b.DeleteData();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_revoked_token_a_removed_grant_and_a_disabled_user_on_one_node_are_refused_by_the_other_within_the_bound()
    {
        var adminA = _a.CreateAdminClient();
        (await adminA.PostAsJsonAsync("/api/v1/users", new { userName = "bob", password = "Passw0rd-bob", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var bobOnA = _a.CreateClientAs("bob", "Passw0rd-bob");
        var bobId = (await bobOnA.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;
        var revoked = await MintTokenAsync(bobOnA);
        var kept = await MintTokenAsync(bobOnA);
        var project = (await (await adminA.PostAsJsonAsync("/api/v1/projects", new { name = "shared" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!.Id;
        var grant = await adminA.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options);
        var grantId = JsonDocument.Parse(await grant.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        var revokedOnB = Bearer(_b, revoked.Value);
        var keptOnB = Bearer(_b, kept.Value);
        var bobOnB = _b.CreateClientAs("bob", "Passw0rd-bob");
        await WarmAsync(revokedOnB, "/api/v1/me");
        await WarmAsync(keptOnB, $"/api/v1/projects/{project}");
        await WarmAsync(bobOnB, "/api/v1/me");

        (await bobOnA.DeleteAsync($"/api/v1/me/tokens/{revoked.Token.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldReachBAsync("a token revoked on A", revokedOnB, "/api/v1/me", HttpStatusCode.Unauthorized);
        (await keptOnB.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the other token of the same user still works");

        (await adminA.DeleteAsync($"/api/v1/projects/{project}/grants/{grantId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldReachBAsync("a grant removed on A", keptOnB, $"/api/v1/projects/{project}", HttpStatusCode.NotFound);

        // The removal emptied B's cache: warm it again, so that the next change must reach it through the stamp.
        await WarmAsync(bobOnB, "/api/v1/me");
        await WarmAsync(keptOnB, "/api/v1/me");
        (await adminA.PostAsync($"/api/v1/users/{bobId}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldReachBAsync("a user disabled on A (token)", keptOnB, "/api/v1/me", HttpStatusCode.Unauthorized);
        await ShouldReachBAsync("a user disabled on A (Basic password)", bobOnB, "/api/v1/me", HttpStatusCode.Unauthorized);
    }

    /// <summary>Polls B from the moment A answered until B gives <paramref name="expected"/>; fails after the deadline or beyond the bound.</summary>
    private async Task ShouldReachBAsync(string change, HttpClient onB, string path, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            last = (await onB.GetAsync(path)).StatusCode;
            if (last == expected)
            {
                output.WriteLine($"{change}: node B answered {(int)expected} after {clock.Elapsed.TotalMilliseconds:0} ms (poll {PollMilliseconds} ms)");
                clock.Elapsed.ShouldBeLessThan(Bound, $"{change} took longer than the bound to reach node B");
                return;
            }

            await Task.Delay(20);
        }
        while (clock.Elapsed < Deadline);

        throw new TimeoutException($"{change}: node B still answers {(int)last} to {path} {Deadline.TotalSeconds} s later (expected {(int)expected}); its access cache was not invalidated.");
    }

    private static async Task WarmAsync(HttpClient client, string path)
    {
        for (var i = 0; i < 2; i++)
        {
            var response = await client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"warming {path}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static HttpClient Bearer(NodeFactory node, string token)
    {
        var client = node.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<CreatedTokenView> MintTokenAsync(HttpClient owner)
    {
        var created = await owner.PostAsJsonAsync("/api/v1/me/tokens", new { name = "cli-" + Guid.NewGuid().ToString("N")[..6], scope = "Read", expiresInDays = 7 }, JsonDefaults.Options);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!;
    }

    /// <summary>One node: the app on the shared PostgreSQL database, with its own data folder and access cache.</summary>
    private sealed class NodeFactory(string connectionString) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("Database:ConnectionString", connectionString);
            builder.UseSetting("Platform:AccessCache:PollMilliseconds", PollMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
