using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Data;

/// <summary>
/// The SQL console's limits with small settings (<c>Data:SqlTimeout</c>, <c>Data:SqlMemoryLimit</c>): a query
/// past either is stopped with its own problem type and a message that says which limit, and the console answers the
/// next query as before.
/// </summary>
public sealed class SqlConsoleLimitsTests : IAsyncLifetime
{
    // 10^12 pairs: minutes of work on any machine, with constant memory.
    private const string Endless = "SELECT count(*) AS n FROM nums, range(1000000) a, range(1000000) b WHERE a.range + b.range = -1";

    // One string of ~390 MB in a single aggregate state: it cannot be spilled, so it must hit the 200MB limit.
    private const string Greedy = "SELECT length(string_agg(CAST(r.range AS VARCHAR), ',')) AS n FROM nums, range(50000000) r";

    private readonly List<LimitsFactory> _factories = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
            factory.DeleteData();
        }
    }

    /// <summary>A platform with these limits and a three-row dataset <c>nums</c>; its administrator's client.</summary>
    private async Task<HttpClient> StartAsync(string timeout, string memoryLimit)
    {
        var factory = new LimitsFactory(timeout, memoryLimit);
        _factories.Add(factory);
        var admin = factory.CreateAdminClient();

        // A query that is not stopped would hold the request until this fails the test.
        admin.Timeout = TimeSpan.FromSeconds(90);
        var created = await admin.PostAsJsonAsync("/api/v1/datasets", new { name = "nums" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!.Id;
        var uploaded = await admin.PostAsync($"/api/v1/datasets/{id}/versions?fileName=nums.csv", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("id,v\n1,a\n2,b\n3,c\n"))));
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        return admin;
    }

    [Fact]
    public async Task A_query_past_the_timeout_is_stopped_with_a_sql_timeout_problem_and_the_console_answers_the_next_query()
    {
        var admin = await StartAsync("00:00:02", "200MB");
        foreach (var route in new[] { "/api/v1/sql", "/api/v1/sql/export.csv" })
        {
            var response = await admin.PostAsJsonAsync(route, new { sql = Endless });

            var problem = await ProblemAsync(response, route);
            problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:sql-timeout", route);
            problem.GetProperty("errors").GetProperty("sql")[0].GetString().ShouldBe("The query ran longer than 2 s and was stopped.", route);
            (await CountAsync(admin)).ShouldBe(3, $"the console answers after a timeout ({route})");
        }
    }

    [Fact]
    public async Task A_query_past_the_memory_limit_is_stopped_with_a_sql_memory_limit_problem_and_the_console_answers_the_next_query()
    {
        // A timeout far away, so that only the memory limit can stop the query.
        var admin = await StartAsync("00:01:00", "200MB");
        foreach (var route in new[] { "/api/v1/sql", "/api/v1/sql/export.csv" })
        {
            var response = await admin.PostAsJsonAsync(route, new { sql = Greedy });

            var problem = await ProblemAsync(response, route);
            problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:sql-memory-limit", route);
            problem.GetProperty("errors").GetProperty("sql")[0].GetString().ShouldBe("The query needed more memory than the console allows (200MB) and was stopped. Read fewer rows or columns, or aggregate first.", route);
            (await CountAsync(admin)).ShouldBe(3, $"the console answers after running out of memory ({route})");
        }
    }

    [Fact]
    public async Task An_upload_that_runs_out_of_memory_is_refused_without_the_servers_path_or_advice_to_change_settings()
    {
        // Writing the columnar copy needs ~30 MiB of DuckDB buffers per thread: far more than 8MB.
        var factory = new LimitsFactory("00:01:00", "8MB");
        _factories.Add(factory);
        var admin = factory.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/datasets", new { name = "tiny" });
        var id = (await created.Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!.Id;

        var response = await admin.PostAsync($"/api/v1/datasets/{id}/versions?fileName=tiny.csv", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("id,v\n1,a\n"))));

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        body.ShouldContain("Out of Memory");
        body.ShouldNotContain(factory.DataDirectory);
        body.ShouldNotContain("/tmp/");
        body.ShouldNotContain("SET ");
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{what}: {body}");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<long> CountAsync(HttpClient admin)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/sql", new { sql = "SELECT count(*) AS n FROM nums" });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return long.Parse(JsonSerializer.Deserialize<SqlResult>(body, JsonDefaults.Options)!.Rows.Single().Single()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class LimitsFactory(string timeout, string memoryLimit) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Data:SqlTimeout", timeout);
            builder.UseSetting("Data:SqlMemoryLimit", memoryLimit);
        }
    }
}
