using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Npgsql;

namespace AiPlatform.Web.Tests.Data;

/// <summary>Data sources over HTTP against the real PostgreSQL server started by scripts/test.sh.</summary>
public sealed class DataSourceApiTests : IAsyncLifetime
{
    private readonly PlatformWebFactory _factory = new();
    private HttpClient _admin = default!;
    private NpgsqlConnectionStringBuilder _server = default!;

    public Task InitializeAsync()
    {
        _admin = _factory.CreateAdminClient();
        _server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("AIP_TEST_POSTGRES")
            ?? throw new InvalidOperationException("AIP_TEST_POSTGRES is not set: run scripts/test.sh."));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
    }

    [Fact]
    public async Task A_source_never_returns_its_password_and_a_wrong_one_is_reported_without_echoing_it()
    {
        var created = await _admin.PostAsJsonAsync("/api/v1/data-sources", Source("warehouse", _server.Password!), JsonDefaults.Options);
        var wrong = await _admin.PostAsJsonAsync("/api/v1/data-sources", Source("bad", "not-the-password-123"), JsonDefaults.Options);
        var body = await created.Content.ReadAsStringAsync();
        var good = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        var bad = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        body.ShouldNotContain(_server.Password!);
        body.ShouldContain("\"hasPassword\":true");
        (await _admin.PostAsync($"/api/v1/data-sources/{good}/test", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.GetFromJsonAsync<List<string>>($"/api/v1/data-sources/{good}/tables", JsonDefaults.Options)).ShouldNotBeNull();
        var refused = await _admin.PostAsync($"/api/v1/data-sources/{bad}/test", null);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await refused.Content.ReadAsStringAsync();
        problem.ShouldContain("authentication failed");
        problem.ShouldNotContain("not-the-password-123");
        (await _admin.GetStringAsync($"/api/v1/audit?objectType=data-source")).ShouldNotContain("not-the-password-123");
        (await _admin.GetStringAsync("/api/v1/data-sources")).ShouldNotContain(_server.Password!);
    }

    [Fact]
    public async Task A_query_import_runs_as_a_job_and_makes_a_version()
    {
        var source = JsonDocument.Parse(await (await _admin.PostAsJsonAsync("/api/v1/data-sources", Source("pg", _server.Password!), JsonDefaults.Options)).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var dataset = (await (await _admin.PostAsJsonAsync("/api/v1/datasets", new { name = "numbers" })).Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;

        var import = await _admin.PostAsJsonAsync($"/api/v1/data-sources/{source}/import", new { datasetId = dataset.Id, query = "SELECT g AS n, g * g AS square FROM generate_series(1, 42) g" });

        import.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var job = JsonDocument.Parse(await import.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetGuid();
        var done = await _admin.WaitForStatusAsync(job, AiPlatform.Core.Jobs.JobStatus.Succeeded);
        done.Kind.ShouldBe(ImportDatasetHandler.JobKind);
        var versions = await _admin.GetFromJsonAsync<List<DatasetVersion>>($"/api/v1/datasets/{dataset.Id}/versions", JsonDefaults.Options);
        versions!.Single().RowCount.ShouldBe(42);
    }

    [Fact]
    public async Task A_read_grantee_of_a_source_cannot_schedule_imports_from_it_but_a_write_grantee_can()
    {
        var source = JsonDocument.Parse(await (await _admin.PostAsJsonAsync("/api/v1/data-sources", Source("warehouse", _server.Password!), JsonDefaults.Options)).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await _admin.PostAsJsonAsync("/api/v1/users", new { userName = "reader", password = "Passw0rd-reader", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.DataEngineer) } })).EnsureSuccessStatusCode();
        var readerId = (await _admin.GetFromJsonAsync<JsonElement>("/api/v1/users?q=reader", JsonDefaults.Options)).GetProperty("items")[0].GetProperty("id").GetGuid();
        var reader = _factory.CreateClientAs("reader", "Passw0rd-reader");
        var grant = new { principalType = "User", principalId = readerId, level = "Read" };
        (await _admin.PostAsJsonAsync($"/api/v1/data-sources/{source}/grants", grant, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var dataset = (await (await reader.PostAsJsonAsync("/api/v1/datasets", new { name = "mine" })).Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;
        var schedule = new { datasetId = dataset.Id, query = "SELECT 1 AS n", cron = "0 3 * * *" };

        var refused = await reader.PostAsJsonAsync($"/api/v1/data-sources/{source}/schedules", schedule);

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await refused.Content.ReadAsStringAsync());
        JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!.ShouldContain("Write");
        (await _admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/data-sources/{source}/schedules", JsonDefaults.Options))!.ShouldBeEmpty();

        (await _admin.PostAsJsonAsync($"/api/v1/data-sources/{source}/grants", grant with { level = "Write" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var allowed = await reader.PostAsJsonAsync($"/api/v1/data-sources/{source}/schedules", schedule);
        allowed.IsSuccessStatusCode.ShouldBeTrue(await allowed.Content.ReadAsStringAsync());
    }

    private object Source(string name, string password) =>
        new { name, kind = "Postgres", host = _server.Host, port = _server.Port, database = _server.Database, userName = _server.Username, password, tls = "Disable" };
}
