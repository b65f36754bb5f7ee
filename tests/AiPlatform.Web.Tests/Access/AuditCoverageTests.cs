using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Walks every mutating operation (POST, PUT, PATCH, DELETE) of the OpenAPI document: each one is either called with a
/// valid request (the walks, in AuditCoverageTests.Walks.cs) and must leave at least one audit entry by its caller, or is
/// listed with the reason it is not walked (AuditCoverageTests.Reasons.cs). A new mutating route that is in none of the
/// tables fails the test, so nothing is skipped silently.
/// At least one (not exactly one): some calls rightly record two changes, e.g. creating a user with roles.
/// </summary>
public sealed partial class AuditCoverageTests : ApiTestBase
{
    /// <summary>Set on a request that acts on its caller's own account: the audit entries are counted for that caller, not the walker.</summary>
    private static readonly HttpRequestOptionsKey<Guid> Actor = new("audit-actor");

    private readonly FakeModelList _llm = new("walk-chat", "walk-embed");

    private HttpClient _walker = default!;
    private Guid _walkerId;
    private Guid _project;

    public override async Task DisposeAsync()
    {
        _llm.Dispose();
        await base.DisposeAsync();
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _walker = await CreateUserAsync("walker", SystemRoles.Admin);
        _walkerId = await UserIdAsync("walker");
        _project = await NewAsync("/api/v1/projects", new { name = "walked" });
    }

    [Fact]
    public async Task Every_successful_state_change_in_the_openapi_document_writes_an_audit_entry()
    {
        var walks = Walks();
        var operations = await MutatingOperationsAsync();
        var excluded = NotStateChanges.Keys.Concat(HighVolume.Keys).Concat(PersonalData.Keys).Concat(AppRuns.Keys).Concat(ClusterOnly.Keys).ToList();
        operations.Where(o => !walks.ContainsKey(o) && !excluded.Contains(o)).ShouldBeEmpty("each mutating route needs a walk or a stated reason");
        walks.Keys.Concat(excluded).Where(o => !operations.Contains(o)).ShouldBeEmpty("the tables name routes that no longer exist");
        walks.Keys.Intersect(excluded).ShouldBeEmpty();

        var failures = new List<string>();
        foreach (var (operation, prepare) in walks)
        {
            HttpRequestMessage request;
            try
            {
                request = await prepare();
            }
            catch (Exception e) when (e is ShouldAssertException or HttpRequestException or KeyNotFoundException or InvalidOperationException or JsonException)
            {
                failures.Add($"{operation}: seeding failed: {e.Message}");
                continue;
            }

            var actor = request.Options.TryGetValue(Actor, out var own) ? own : _walkerId;
            var before = await AuditCountAsync(actor);
            var response = await _walker.SendAsync(request);
            request.Dispose();
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || body.Contains("\"error_code\"", StringComparison.Ordinal))
            {
                failures.Add($"{operation}: the walk's request failed with {(int)response.StatusCode} {body}");
                continue;
            }

            if (await AuditCountAsync(actor) <= before)
            {
                failures.Add($"{operation}: succeeded without an audit entry");
            }
        }

        failures.ShouldBeEmpty();
    }

    private async Task<HashSet<string>> MutatingOperationsAsync()
    {
        using var document = JsonDocument.Parse(await Admin.GetStringAsync("/openapi/v1.json"));
        var operations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject().Select(m => m.Name.ToUpperInvariant()).Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE"))
            {
                operations.Add($"{method} {path.Name}");
            }
        }

        operations.Count.ShouldBeGreaterThan(100);
        return operations;
    }

    private async Task<int> AuditCountAsync(Guid actor) =>
        (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?actorId={actor}&pageSize=1", JsonDefaults.Options)).GetProperty("totalCount").GetInt32();

    private static Task<HttpRequestMessage> Json(string method, string url, object? body = null) =>
        Task.FromResult(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = body is null ? null : new StringContent(JsonSerializer.Serialize(body, JsonDefaults.Options), Encoding.UTF8, "application/json"),
        });

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
