using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Data;

/// <summary>
/// A user with only a Read grant on two datasets attacks the SQL console: every escape is refused with 400 problem
/// details, the stored version files keep their bytes, hash and row count, and no answer names a server path.
/// </summary>
public sealed class SqlConsoleSecurityTests(SqlConsoleSecurityTests.Platform platform) : IClassFixture<SqlConsoleSecurityTests.Platform>
{
    private const string NotReadOnly = "urn:aiplatform:problem:sql-not-read-only";
    private const string Validation = "urn:aiplatform:problem:validation";
    private const string SyntaxError = "urn:aiplatform:problem:sql-syntax-error";
    private const string QueryError = "urn:aiplatform:problem:sql-query-error";

    private HttpClient Admin => platform.Admin;

    private HttpClient Reader => platform.Reader;

    private string DataDirectory => platform.Factory.DataDirectory;

    private string ColumnarPath => platform.Stored.Keys.First(k => k.EndsWith(".parquet", StringComparison.Ordinal));

    private static string Sql(string path) => path.Replace("'", "''", StringComparison.Ordinal);

    public static TheoryData<string> Escapes() =>
    [
        "EXPLAIN ANALYZE COPY (SELECT 99 AS id, 'pwned' AS name, 'x' AS region FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "explain analyze copy (select 99 as id, 'pwned' as name, 'x' as region from cities) to '{columnar}' (format parquet, use_tmp_file false)",
        "/* note */ EXPLAIN ANALYZE COPY (SELECT 99 AS id FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "-- note\nEXPLAIN (ANALYZE) COPY (SELECT 99 AS id FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "EXPLAIN ANALYZE SELECT * FROM cities",
        "EXPLAIN COPY (SELECT 1 FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "COPY (SELECT 99 AS id, 'pwned' AS name, 'x' AS region FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "COPY cities TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "COPY (SELECT 1) TO '/tmp/aip-sql-escape.csv'",
        "SELECT 1; COPY (SELECT 99 AS id FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)",
        "SELECT * FROM cities; SELECT * FROM regions",
        "WITH x AS (COPY (SELECT 1 FROM cities) TO '{columnar}') SELECT 1",
        "WITH x AS (SELECT 1) SELECT * FROM x; COPY (SELECT 1) TO '{columnar}'",
        "ATTACH '{data}/aiplatform.db' AS db",
        "ATTACH ':memory:' AS scratch",
        "INSTALL httpfs",
        "LOAD httpfs",
        "LOAD '{data}/evil.duckdb_extension'",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "RESET lock_configuration",
        "PRAGMA database_list",
        "PRAGMA enable_profiling",
        "CALL pragma_version()",
        "CALL duckdb_settings()",
        "EXPORT DATABASE '/tmp/aip-sql-export'",
        "CREATE TABLE t AS SELECT * FROM cities",
        "CREATE OR REPLACE VIEW cities AS SELECT 99 AS id",
        "DROP VIEW cities",
        "DETACH memory",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_csv_auto('{data}/aiplatform.db')",
        "SELECT * FROM read_text('{data}/keys/*')",
        "SELECT * FROM read_blob('{data}/aiplatform.db')",
        "SELECT * FROM glob('{data}/keys/*')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_parquet('{columnar}')",
        "SELECT * FROM parquet_metadata('{columnar}')",
        "SELECT * FROM '{columnar}'",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'file.csv'",
        "FROM '{data}/aiplatform.db'",
        "DESCRIBE '/etc/passwd'",
        "SUMMARIZE read_csv('/etc/passwd')",
        "SELECT * FROM cities, read_text('/etc/passwd')",
        "SELECT (SELECT count(*) FROM glob('/etc/*')) AS n",
        "SELECT * FROM query('SELECT * FROM duckdb_views()')",
        "SELECT * FROM duckdb_views()",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM duckdb_databases()",
        "SELECT * FROM duckdb_tables()",
        "SELECT sql FROM sqlite_master",
        "SELECT * FROM information_schema.views",
        "SELECT * FROM pg_catalog.pg_views",
        "SELECT * FROM system.main.duckdb_views()",
        "SELECT current_setting('allowed_paths')",
        "SELECT current_setting('temp_directory')",
        "SHOW databases",
        "SELECT * FROM sqlite_master, (WITH sqlite_master AS (SELECT 1) SELECT 1)",
        "WITH a AS (SELECT upper(sql) s FROM sqlite_master), sqlite_master AS (SELECT 1) SELECT s FROM a",
        "WITH a AS (SELECT sql FROM SQLITE_MASTER), \"SQLite_Master\" AS (SELECT 1) SELECT * FROM a",
        "WITH duckdb_views AS (FROM duckdb_views) SELECT replace(sql,'/','|') FROM duckdb_views",
        "WITH DuckDB_Views AS (SELECT * FROM duckdb_views) SELECT * FROM DuckDB_Views",
        "WITH a AS (SELECT * FROM b), b AS (SELECT * FROM cities) SELECT * FROM a",
        "WITH a AS (SELECT * FROM a) SELECT * FROM a",
        "WITH x AS (SELECT 1), a AS (SELECT sql FROM sqlite_master), sqlite_master AS (SELECT 1) SELECT * FROM a",
        "SELECT * FROM (WITH a AS (SELECT sql FROM sqlite_master), sqlite_master AS (SELECT 1) SELECT * FROM a)",
        "WITH RECURSIVE duckdb_views AS (SELECT * FROM duckdb_views UNION ALL SELECT * FROM duckdb_views) SELECT * FROM duckdb_views",
        "WITH pg_class AS (SELECT * FROM pg_class) SELECT * FROM pg_class",
        "WITH a AS (SELECT * FROM duckdb_tables), duckdb_tables AS (SELECT 1) SELECT * FROM a",
    ];

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task A_read_grantee_cannot_escape_the_console(string template)
    {
        var sql = template.Replace("{columnar}", Sql(ColumnarPath), StringComparison.Ordinal).Replace("{data}", Sql(DataDirectory), StringComparison.Ordinal);

        foreach (var route in new[] { "/api/v1/sql", "/api/v1/sql/export.csv" })
        {
            var response = await Reader.PostAsJsonAsync(route, new { sql });
            var body = await response.Content.ReadAsStringAsync();

            await AssertStoredVersionsUnchangedAsync(sql);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{route} ran: {sql}\n{body}");
            var problem = JsonDocument.Parse(body).RootElement;
            problem.GetProperty("type").GetString().ShouldBeOneOf(NotReadOnly, Validation, SyntaxError, QueryError);
            problem.GetProperty("errors").GetProperty("sql")[0].GetString().ShouldNotBeNullOrWhiteSpace();
            AssertNoServerPath(body);
        }

        File.Exists("/tmp/aip-sql-escape.csv").ShouldBeFalse();
        Directory.Exists("/tmp/aip-sql-export").ShouldBeFalse();
    }

    [Theory]
    [InlineData("EXPLAIN ANALYZE COPY (SELECT 1 FROM cities) TO '{columnar}' (FORMAT parquet, USE_TMP_FILE false)")]
    [InlineData("COPY (SELECT 1) TO '/tmp/aip-sql-escape.csv'")]
    [InlineData("ATTACH ':memory:' AS scratch")]
    [InlineData("INSTALL httpfs")]
    [InlineData("SET enable_external_access = true")]
    [InlineData("PRAGMA database_list")]
    [InlineData("CALL pragma_version()")]
    [InlineData("EXPORT DATABASE '/tmp/aip-sql-export'")]
    [InlineData("CREATE TABLE t AS SELECT 1")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT * FROM duckdb_views()")]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    public async Task Statements_that_are_not_one_read_only_query_get_the_not_read_only_problem_type(string template)
    {
        var sql = template.Replace("{columnar}", Sql(ColumnarPath), StringComparison.Ordinal);

        var response = await Reader.PostAsJsonAsync("/api/v1/sql", new { sql });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString().ShouldBe(NotReadOnly);
    }

    [Fact]
    public async Task Saving_a_query_as_a_version_cannot_break_out_of_its_copy_statement()
    {
        var target = platform.Versions[1].Dataset;
        var sql = $"SELECT 99 AS id, 'pwned' AS name, 'x' AS region FROM cities) TO '{Sql(ColumnarPath)}' (FORMAT parquet, USE_TMP_FILE false) --";

        var response = await Admin.PostAsJsonAsync($"/api/v1/datasets/{target}/versions/from-query", new { sql, message = "x" });
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        AssertNoServerPath(body);
        await AssertStoredVersionsUnchangedAsync(sql);
    }

    [Fact]
    public async Task Read_only_queries_still_work_for_the_read_grantee_including_chinese_text()
    {
        var join = await RunAsync("SELECT c.name, r.label FROM cities c JOIN regions r ON c.region = r.region WHERE c.name LIKE '%北京%' ORDER BY c.id");
        var with = await RunAsync("WITH east AS (SELECT * FROM \"cities\" WHERE region = 'east') SELECT count(*) AS n FROM east");
        var chained = await RunAsync("WITH east AS (SELECT * FROM cities WHERE region = 'east'), named AS (SELECT name FROM east) SELECT count(*) AS n FROM named");
        var recursive = await RunAsync("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 4) SELECT sum(n) AS s FROM t");
        var values = await RunAsync("VALUES ('北京', 1), ('上海', 2)");
        var describe = await RunAsync("DESCRIBE cities");
        var summarize = await RunAsync("SUMMARIZE regions");
        var explain = await RunAsync("EXPLAIN SELECT * FROM cities WHERE name LIKE '%北京%'");
        var commented = await RunAsync("-- the east\n/* block */ SELECT name FROM cities WHERE region = 'east' ORDER BY id;");
        var range = await RunAsync("SELECT sum(range) AS s FROM range(5)");
        var csv = await Reader.PostAsJsonAsync("/api/v1/sql/export.csv", new { sql = "SELECT name FROM cities WHERE name LIKE '%北京%' ORDER BY id" });

        join.Rows.ShouldBe([["北京东路", "东部"], ["北京西站", "西部"]]);
        with.Rows.Single().ShouldBe(["2"]);
        chained.Rows.Single().ShouldBe(["2"]);
        recursive.Rows.Single().ShouldBe(["10"]);
        values.Rows.Select(r => r[0]).ShouldBe(["北京", "上海"]);
        describe.Rows.Select(r => r[0]).ShouldBe(["id", "name", "region"]);
        summarize.Rows.Select(r => r[0]).ShouldBe(["region", "label"]);
        explain.Rows.ShouldNotBeEmpty();
        commented.Rows.Select(r => r[0]).ShouldBe(["北京东路", "上海路"]);
        range.Rows.Single().ShouldBe(["10"]);
        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await csv.Content.ReadAsStringAsync()).ShouldContain("北京东路");
        await AssertStoredVersionsUnchangedAsync("read-only queries");
    }

    [Fact]
    public void Stored_version_files_are_read_only_on_disk()
    {
        Assert.False(OperatingSystem.IsWindows(), "Unix file modes are checked on Linux.");
        foreach (var file in platform.Stored.Keys)
        {
            (OperatingSystem.IsWindows() ? 0 : File.GetUnixFileMode(file) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)).ShouldBe((UnixFileMode)0, file);
        }
    }

    private async Task<SqlResult> RunAsync(string sql)
    {
        var response = await Reader.PostAsJsonAsync("/api/v1/sql", new { sql });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{sql}\n{body}");
        AssertNoServerPath(body);
        return JsonSerializer.Deserialize<SqlResult>(body, JsonDefaults.Options)!;
    }

    private void AssertNoServerPath(string body)
    {
        body.ShouldNotContain(DataDirectory);
        body.ShouldNotContain(Path.GetFileName(DataDirectory));
        body.ShouldNotContain(Path.GetFileName(ColumnarPath));
    }

    private async Task AssertStoredVersionsUnchangedAsync(string after)
    {
        foreach (var (file, bytes) in platform.Stored)
        {
            var now = await File.ReadAllBytesAsync(file);
            Convert.ToHexStringLower(SHA256.HashData(now)).ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)), $"{file} changed after: {after}");
        }

        foreach (var (dataset, version) in platform.Versions)
        {
            var now = (await Admin.GetFromJsonAsync<List<DatasetVersion>>($"/api/v1/datasets/{dataset}/versions", JsonDefaults.Options))!.Single();
            (now.ContentHash, now.RowCount).ShouldBe((version.ContentHash, version.RowCount));
            var rows = await Admin.GetFromJsonAsync<DatasetRows>($"/api/v1/datasets/{dataset}/versions/{version.Id}/rows?limit=100", JsonDefaults.Options);
            rows!.TotalRows.ShouldBe(version.RowCount, $"rows changed after: {after}");
            rows.Rows.SelectMany(r => r).ShouldNotContain("pwned");
        }
    }

    /// <summary>One platform for all cases: two datasets of the administrator, read-granted to a Viewer.</summary>
    public sealed class Platform : IAsyncLifetime
    {
        public PlatformWebFactory Factory { get; } = new();

        public HttpClient Admin { get; private set; } = default!;

        public HttpClient Reader { get; private set; } = default!;

        public List<(Guid Dataset, DatasetVersion Version)> Versions { get; } = [];

        /// <summary>The stored version files (original and columnar copy) and their bytes before any attack.</summary>
        public Dictionary<string, byte[]> Stored { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            Admin = Factory.CreateAdminClient();
            var cities = await CreateAsync("cities", "id,name,region\n1,北京东路,east\n2,上海路,east\n3,北京西站,west\n4,Lyon,west\n");
            var regions = await CreateAsync("regions", "region,label\neast,东部\nwest,西部\n");
            var user = await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "reader", password = "Passw0rd-reader", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } });
            user.StatusCode.ShouldBe(HttpStatusCode.Created, await user.Content.ReadAsStringAsync());
            Reader = Factory.CreateClientAs("reader", "Passw0rd-reader");
            var readerId = (await Reader.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;
            var objects = Path.Combine(Factory.DataDirectory, "objects");
            foreach (var id in new[] { cities, regions })
            {
                (await Admin.PostAsJsonAsync($"/api/v1/datasets/{id}/grants", new { principalType = "User", principalId = readerId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
                var version = (await Admin.GetFromJsonAsync<List<DatasetVersion>>($"/api/v1/datasets/{id}/versions", JsonDefaults.Options))!.Single();
                Versions.Add((id, version));
                foreach (var key in new[] { version.ColumnarKey.ShouldNotBeNull(), version.ObjectKey })
                {
                    var file = Path.Combine(objects, key);
                    Stored[file] = await File.ReadAllBytesAsync(file);
                }
            }
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            Factory.DeleteData();
        }

        private async Task<Guid> CreateAsync(string name, string csv)
        {
            var created = await Admin.PostAsJsonAsync("/api/v1/datasets", new { name });
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
            var id = (await created.Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!.Id;
            (await Admin.PostAsync($"/api/v1/datasets/{id}/versions?fileName={name}.csv", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(csv))))).EnsureSuccessStatusCode();
            return id;
        }
    }
}
