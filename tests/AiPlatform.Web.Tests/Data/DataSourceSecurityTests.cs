using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;
using Npgsql;

namespace AiPlatform.Web.Tests.Data;

/// <summary>
/// Stealing a data source's password by re-pointing it, and using sources and providers to reach what they must not
/// (loopback, metadata, socket paths), against the real test PostgreSQL and fake servers that record what they get.
/// </summary>
public sealed class DataSourceSecurityTests : ApiTestBase
{
    private const string Banner = "INTERNAL-SECRET-BANNER";

    private readonly NpgsqlConnectionStringBuilder _server = new(Environment.GetEnvironmentVariable("AIP_TEST_POSTGRES")
        ?? throw new InvalidOperationException("AIP_TEST_POSTGRES is not set: run scripts/test.sh."));

    [Fact]
    public async Task A_write_grantee_who_points_a_source_at_their_own_server_gets_no_password()
    {
        var id = await CreateAsync(Admin, Postgres("warehouse", _server.Host!, _server.Port, _server.Password));
        (await Admin.PostAsync($"/api/v1/data-sources/{id}/test", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var mallory = await CreateUserAsync("mallory", SystemRoles.DataEngineer);
        await GrantAsync(id, mallory, "Write");
        using var fake = new FakePostgresServer();

        var repointed = await mallory.PutAsJsonAsync($"/api/v1/data-sources/{id}", Postgres("warehouse", "127.0.0.1", fake.Port, null));
        var view = JsonDocument.Parse(await repointed.Content.ReadAsStringAsync()).RootElement;
        var test = await mallory.PostAsync($"/api/v1/data-sources/{id}/test", null);

        repointed.StatusCode.ShouldBe(HttpStatusCode.OK);
        view.GetProperty("hasSecret").GetBoolean().ShouldBeFalse();
        test.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        fake.Connections.ShouldBeGreaterThan(0, "the test connection reached the fake server");
        fake.Passwords.ShouldNotContain(_server.Password!);
        fake.Passwords.ShouldAllBe(p => p.Length == 0);
    }

    [Fact]
    public async Task The_secret_stays_while_the_endpoint_stays_and_goes_with_any_change_of_it_unless_given_again()
    {
        var id = await CreateAsync(Admin, Postgres("warehouse", _server.Host!, _server.Port, _server.Password));

        var renamed = await PutAsync(id, Postgres("renamed", _server.Host!, _server.Port, null));
        renamed.GetProperty("hasSecret").GetBoolean().ShouldBeTrue();
        (await Admin.PostAsync($"/api/v1/data-sources/{id}/test", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await PutAsync(id, Postgres("renamed", _server.Host!, _server.Port, null, tls: "Prefer"))).GetProperty("hasSecret").GetBoolean().ShouldBeFalse();
        (await PutAsync(id, Postgres("renamed", _server.Host!, _server.Port, _server.Password, tls: "Prefer"))).GetProperty("hasSecret").GetBoolean().ShouldBeTrue();
        (await PutAsync(id, Postgres("renamed", _server.Host!, _server.Port, null, tls: "Prefer", database: "other"))).GetProperty("hasSecret").GetBoolean().ShouldBeFalse();
        (await PutAsync(id, Postgres("renamed", _server.Host!, _server.Port, _server.Password, tls: "Prefer", database: "other"))).GetProperty("hasSecret").GetBoolean().ShouldBeTrue();
        (await PutAsync(id, Postgres("renamed", _server.Host!, _server.Port, null, tls: "Prefer", database: "other", user: "someone"))).GetProperty("hasSecret").GetBoolean().ShouldBeFalse();

        foreach (var (kind, change) in new[] { ("S3", "host"), ("S3", "port"), ("Kafka", "host"), ("Kafka", "user") })
        {
            var source = new { name = kind, kind, host = "db.example.org", port = 9000, database = "bucket", userName = "key", password = "secret-value", tls = "Disable" };
            var other = await CreateAsync(Admin, source);
            var changed = change switch
            {
                "host" => source with { host = "elsewhere.example.org", password = (string)null! },
                "port" => source with { port = 9001, password = (string)null! },
                _ => source with { userName = "other", password = (string)null! },
            };
            (await PutAsync(other, changed)).GetProperty("hasSecret").GetBoolean().ShouldBeFalse($"{kind}: {change}");
        }
    }

    [Fact]
    public async Task New_sources_verify_tls_unless_plaintext_is_chosen_and_each_kind_takes_only_its_modes()
    {
        var created = await Admin.PostAsJsonAsync("/api/v1/data-sources", new { name = "tls", kind = "Postgres", host = "db.example.org", port = 5432, database = "d", userName = "u" });
        JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("tls").GetString().ShouldBe("VerifyFull");

        (await Admin.PostAsJsonAsync("/api/v1/data-sources", new { name = "k", kind = "Kafka", host = "broker.example.org", port = 9092, tls = "Prefer" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Admin.PostAsJsonAsync("/api/v1/data-sources", new { name = "s", kind = "S3", host = "s3.example.org", port = 443, database = "b", userName = "k", tls = "VerifyCA" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // A server without TLS is refused by default before any password is sent.
        using var fake = new FakePostgresServer();
        var id = await CreateAsync(Admin, new { name = "strict", kind = "Postgres", host = "127.0.0.1", port = fake.Port, database = "d", userName = "u", password = "never-sent-pw" });
        var problem = await (await Admin.PostAsync($"/api/v1/data-sources/{id}/test", null)).Content.ReadAsStringAsync();
        problem.ShouldContain("TLS");
        fake.Passwords.ShouldBeEmpty();
    }

    [Fact]
    public async Task Sources_and_providers_cannot_reach_loopback_metadata_or_socket_paths_by_default()
    {
        await using var factory = new DefaultOutboundWebFactory();
        var admin = factory.CreateAdminClient();
        using var target = new BannerServer("SSH-2.0-OpenSSH_9.6 " + Banner + "\r\n");
        string[] hosts = ["127.0.0.1", "127.1", "0.0.0.0", "[::1]", "::1", "::ffff:127.0.0.1", "169.254.169.254", "localhost", "2130706433", "metadata.google.internal", "LOCALHOST."];

        foreach (var kind in new[] { "Postgres", "S3", "Kafka" })
        {
            foreach (var host in hosts)
            {
                var id = await CreateAsync(admin, new { name = $"{kind} {host}", kind, host, port = target.Port, database = "d", userName = "u", password = "pw", tls = "Disable" });
                var test = await admin.PostAsync($"/api/v1/data-sources/{id}/test", null);
                var problem = JsonDocument.Parse(await test.Content.ReadAsStringAsync()).RootElement;
                test.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{kind} {host}");
                problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:host-not-allowed", $"{kind} {host}: {problem}");
            }
        }

        foreach (var socket in new[] { "/var/run/postgresql", "@pg", "/tmp/.s.PGSQL.5432", "db1,db2" })
        {
            var created = await admin.PostAsJsonAsync("/api/v1/data-sources", new { name = "socket", kind = "Postgres", host = socket, port = 5432, database = "d", userName = "u", tls = "Disable" });
            created.StatusCode.ShouldBe(HttpStatusCode.BadRequest, socket);
            (await created.Content.ReadAsStringAsync()).ShouldContain("host");
        }

        var provider = await admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "internal", baseUrl = $"http://127.0.0.1:{target.Port}/v1" });
        var providerId = JsonDocument.Parse(await provider.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var sync = await admin.PostAsync($"/api/v1/llm/providers/{providerId}/sync", null);
        sync.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await sync.Content.ReadAsStringAsync()).ShouldContain("host-not-allowed");

        target.Connections.ShouldBe(0);
        factory.DeleteData();
    }

    [Fact]
    public async Task A_listed_host_is_reached_and_what_it_answers_is_not_echoed()
    {
        using var postgres = new BannerServer(BannerServer.PostgresError(Banner));
        var body = $"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>{Banner}</Message><Resource>/{Banner}</Resource><RequestId>{Banner}</RequestId></Error>";
        using var s3 = new BannerServer($"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nServer: {Banner}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");

        var pg = await CreateAsync(Admin, Postgres("listed", "127.0.0.1", postgres.Port, "pw"));
        var bucket = await CreateAsync(Admin, new { name = "bucket", kind = "S3", host = "127.0.0.1", port = s3.Port, database = "data", userName = "key", password = "secret-value", tls = "Disable" });
        var pgProblem = await (await Admin.PostAsync($"/api/v1/data-sources/{pg}/test", null)).Content.ReadAsStringAsync();
        var s3Test = await Admin.PostAsync($"/api/v1/data-sources/{bucket}/test", null);
        var s3Problem = await s3Test.Content.ReadAsStringAsync();

        postgres.Connections.ShouldBeGreaterThan(0);
        s3.Connections.ShouldBeGreaterThan(0);
        pgProblem.ShouldNotContain(Banner);
        s3Test.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        s3Problem.ShouldNotContain(Banner);
    }

    public static TheoryData<string> Injections() =>
    [
        "SELECT 1) TO STDOUT; COMMIT; DROP TABLE {table}; COPY (SELECT 1",
        "SELECT 1) TO STDOUT; DROP TABLE {table}; --",
        "select 1 ) to stdout ;commit;drop table {table};copy (select 1",
        "SELECT 1 /* ; */) TO STDOUT; DROP TABLE {table}; COPY (SELECT 1",
        "SELECT 'a'';' AS x) TO STDOUT; DROP TABLE {table}; COPY (SELECT 1",
        "SELECT $$;$$ AS x) TO STDOUT; DROP TABLE {table}; COPY (SELECT 1",
        "SELECT 1) TO PROGRAM 'true' --",
        "DROP TABLE {table}",
        "SELECT 1; DROP TABLE {table}",
    ];

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task A_read_grantee_cannot_run_other_statements_through_an_import_query(string template)
    {
        var table = $"victim_{Guid.NewGuid():N}";
        await using (var setup = new NpgsqlConnection(_server.ConnectionString))
        {
            await setup.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1)", setup);
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var id = await CreateAsync(Admin, Postgres("warehouse", _server.Host!, _server.Port, _server.Password));
            var mallory = await CreateUserAsync("mallory", SystemRoles.DataEngineer);
            await GrantAsync(id, mallory, "Read");
            var dataset = JsonDocument.Parse(await (await mallory.PostAsJsonAsync("/api/v1/datasets", new { name = "loot" })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

            var import = await mallory.PostAsJsonAsync($"/api/v1/data-sources/{id}/import", new { datasetId = dataset, query = template.Replace("{table}", table, StringComparison.Ordinal) });
            var body = await import.Content.ReadAsStringAsync();
            if (import.StatusCode == HttpStatusCode.Accepted)
            {
                // Whatever the job does, the statement after the COPY must not have run.
                var job = JsonDocument.Parse(body).RootElement.GetProperty("jobId").GetGuid();
                await mallory.WaitForJobAsync(job, j => j.Status is AiPlatform.Core.Jobs.JobStatus.Succeeded or AiPlatform.Core.Jobs.JobStatus.Failed);
            }

            import.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
            body.ShouldContain("validation");
        }
        finally
        {
            await using var check = new NpgsqlConnection(_server.ConnectionString);
            await check.OpenAsync();
            await using var exists = new NpgsqlCommand($"SELECT to_regclass('{table}') IS NOT NULL", check);
            var stillThere = (bool)(await exists.ExecuteScalarAsync())!;
            await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {table}", check);
            await drop.ExecuteNonQueryAsync();
            stillThere.ShouldBeTrue("the injected DROP TABLE ran");
        }
    }

    [Theory]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT 1) TO STDOUT; COPY (SELECT 1")]
    [InlineData("SELECT 1)")]
    public async Task The_connector_has_postgres_refuse_anything_but_one_query_over_the_extended_protocol(string query)
    {
        await using var db = new NpgsqlConnection(_server.ConnectionString);
        await db.OpenAsync();
        await AiPlatform.Infrastructure.DataSources.SourceConnector.RequireOneQueryAsync(db, null, "SELECT g FROM generate_series(1, 3) g", default);
        await using var transaction = await db.BeginTransactionAsync();

        var refused = await Should.ThrowAsync<Exception>(() => AiPlatform.Infrastructure.DataSources.SourceConnector.RequireOneQueryAsync(db, transaction, query, default));

        (refused is PostgresException { SqlState: "42601" } or AiPlatform.Core.Common.ValidationException).ShouldBeTrue(refused.ToString());
    }

    private object Postgres(string name, string host, int port, string? password, string tls = "Disable", string? database = null, string? user = null) =>
        new { name, kind = "Postgres", host, port, database = database ?? _server.Database, userName = user ?? _server.Username, password, tls };

    private static async Task<Guid> CreateAsync(HttpClient client, object source)
    {
        var response = await client.PostAsJsonAsync("/api/v1/data-sources", source);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> PutAsync(Guid id, object source)
    {
        var response = await Admin.PutAsJsonAsync($"/api/v1/data-sources/{id}", source);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private async Task GrantAsync(Guid id, HttpClient user, string level)
    {
        var userId = JsonDocument.Parse(await user.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/data-sources/{id}/grants", new { principalType = "User", principalId = userId, level })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
