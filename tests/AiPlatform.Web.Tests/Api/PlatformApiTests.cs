using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Dashboard;
using AiPlatform.Web.Features.Jobs;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Api;

public sealed class PlatformApiTests : IAsyncLifetime
{
    private readonly PlatformWebFactory _factory = new();
    private HttpClient _client = default!;

    public Task InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready_with_each_dependency()
    {
        (await _client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var ready = await _client.GetAsync("/health/ready");

        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("status").GetString().ShouldBe("Healthy");
        body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().ShouldBe("Healthy");
        body.GetProperty("checks").GetProperty("object-store").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task The_embedded_default_keeps_everything_in_the_data_folder()
    {
        (await _client.GetAsync("/health/ready")).EnsureSuccessStatusCode();

        File.Exists(Path.Combine(_factory.DataDirectory, "aiplatform.db")).ShouldBeTrue();
        Directory.Exists(Path.Combine(_factory.DataDirectory, "objects")).ShouldBeTrue();
        Directory.Exists(Path.Combine(_factory.DataDirectory, "keys")).ShouldBeTrue();
        Directory.EnumerateFiles(Path.Combine(_factory.DataDirectory, "logs")).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task OpenApi_document_and_browsable_reference_are_served()
    {
        var doc = await _client.GetStringAsync("/openapi/v1.json");
        var docs = await _client.GetAsync("/api/docs/");

        doc.ShouldContain("/api/v1/jobs");
        doc.ShouldContain("/api/v1/dashboard");
        doc.ShouldContain("/api/v1/experiments/{id}/runs");
        doc.ShouldContain("/api/v1/runs/{id}/artifacts/content");
        doc.ShouldContain("/api/2.0/mlflow/runs/log-batch");
        docs.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await docs.Content.ReadAsStringAsync()).ShouldContain("openapi/v1.json");
    }

    [Fact]
    public async Task A_started_storage_scan_runs_to_success_and_feeds_the_dashboard()
    {
        var store = (IObjectStore)_factory.Services.GetService(typeof(IObjectStore))!;
        await store.PutAsync(ObjectKey.Create("api-test", "blob.bin"), new MemoryStream(new byte[4096]), 4096, null, default);

        var response = await _client.PostAsJsonAsync("/api/v1/jobs", new { kind = StorageScanHandler.JobKind, title = "Nightly scan" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var started = (await response.Content.ReadFromJsonAsync<JobSummary>(JsonDefaults.Options))!;
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/jobs/{started.Id}");
        var done = await _client.WaitForStatusAsync(started.Id, JobStatus.Succeeded);
        done.Progress.ShouldBe(1);
        var log = await _client.GetFromJsonAsync<List<JobLogLine>>($"/api/v1/jobs/{started.Id}/log", JsonDefaults.Options);
        log!.ShouldContain(l => l.Message.Contains("1 objects, 4096 bytes"));
        var tail = await _client.GetFromJsonAsync<List<JobLogLine>>($"/api/v1/jobs/{started.Id}/log?after={log![^1].Id}", JsonDefaults.Options);
        tail.ShouldBeEmpty();

        var dashboard = await _client.GetFromJsonAsync<DashboardView>("/api/v1/dashboard", JsonDefaults.Options);
        dashboard!.Storage!.TotalBytes.ShouldBe(4096);
        dashboard.JobsByStatus[JobStatus.Succeeded].ShouldBe(1);
        dashboard.RecentJobs[0].Title.ShouldBe("Nightly scan");
    }

    [Fact]
    public async Task Jobs_can_be_listed_filtered_and_their_kinds_discovered()
    {
        var kinds = await _client.GetFromJsonAsync<List<string>>("/api/v1/jobs/kinds");
        kinds!.ShouldContain(StorageScanHandler.JobKind);
        for (var i = 0; i < 3; i++)
        {
            var r = await _client.PostAsJsonAsync("/api/v1/jobs", new { kind = StagingCleanupHandler.JobKind, title = $"cleanup {i}" });
            r.EnsureSuccessStatusCode();
        }

        var page = await _client.GetFromJsonAsync<Paged<JobSummary>>("/api/v1/jobs?q=cleanup&pageSize=2", JsonDefaults.Options);
        page!.TotalCount.ShouldBe(3);
        page.Items.Count.ShouldBe(2);
        var none = await _client.GetFromJsonAsync<Paged<JobSummary>>("/api/v1/jobs?status=Failed&q=cleanup", JsonDefaults.Options);
        none!.TotalCount.ShouldBe(0);
    }

    [Fact]
    public async Task A_running_job_can_be_cancelled_and_then_no_longer()
    {
        var started = await (await _client.PostAsJsonAsync("/api/v1/jobs", new { kind = SlowJobHandler.JobKind })).Content.ReadFromJsonAsync<JobSummary>(JsonDefaults.Options);
        await _client.WaitForJobAsync(started!.Id, j => j.Status == JobStatus.Running && j.Progress > 0);

        var cancel = await _client.PostAsync($"/api/v1/jobs/{started.Id}/cancel", null);

        cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        var cancelled = await _client.WaitForStatusAsync(started.Id, JobStatus.Cancelled);
        cancelled.FinishedAt.ShouldNotBeNull();
        var again = await _client.PostAsync($"/api/v1/jobs/{started.Id}/cancel", null);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var finished = await (await _client.PostAsJsonAsync("/api/v1/jobs", new { kind = StagingCleanupHandler.JobKind })).Content.ReadFromJsonAsync<JobSummary>(JsonDefaults.Options);
        await _client.WaitForStatusAsync(finished!.Id, JobStatus.Succeeded);
        var conflict = await _client.PostAsync($"/api/v1/jobs/{finished.Id}/cancel", null);
        await ShouldBeProblemAsync(conflict, HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Bad_input_gets_problem_details_with_a_stable_type_and_correlation_id()
    {
        var unknownKind = await _client.PostAsJsonAsync("/api/v1/jobs", new { kind = "format.disk" });
        var problem = await ShouldBeProblemAsync(unknownKind, HttpStatusCode.BadRequest, "validation");
        problem.GetProperty("errors").GetProperty("kind")[0].GetString()!.ShouldContain("format.disk");

        var malformed = await _client.PostAsync("/api/v1/jobs", new StringContent("{not json", Encoding.UTF8, "application/json"));
        await ShouldBeProblemAsync(malformed, HttpStatusCode.BadRequest, "bad-request");

        await ShouldBeProblemAsync(await _client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not-found");
        await ShouldBeProblemAsync(await _client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}/log"), HttpStatusCode.NotFound, "not-found");
        await ShouldBeProblemAsync(await _client.GetAsync("/api/v1/no-such-thing"), HttpStatusCode.NotFound, "not-found");
        await ShouldBeProblemAsync(await _client.GetAsync("/api/v1/jobs/not-a-guid"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_callers_correlation_id_is_echoed_and_used_in_problems()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{Guid.NewGuid()}");
        request.Headers.Add("X-Correlation-Id", "trace-42");

        var response = await _client.SendAsync(request);

        response.Headers.GetValues("X-Correlation-Id").Single().ShouldBe("trace-42");
        var problem = await ShouldBeProblemAsync(response, HttpStatusCode.NotFound, "not-found");
        problem.GetProperty("correlationId").GetString().ShouldBe("trace-42");
    }

    [Fact]
    public async Task Metrics_expose_http_and_job_figures_in_prometheus_format()
    {
        var started = await (await _client.PostAsJsonAsync("/api/v1/jobs", new { kind = StagingCleanupHandler.JobKind })).Content.ReadFromJsonAsync<JobSummary>(JsonDefaults.Options);
        await _client.WaitForStatusAsync(started!.Id, JobStatus.Succeeded);

        var metrics = await _factory.ScrapeMetricsAsync();

        metrics.ShouldContain("http_requests_received_total");
        metrics.ShouldContain("aiplatform_jobs_finished");
        metrics.ShouldContain("status=\"Succeeded\"");
    }

    [Fact]
    public async Task The_language_switch_sets_a_cookie_and_refuses_unknown_languages_and_foreign_redirects()
    {
        var noRedirect = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        noRedirect.DefaultRequestHeaders.Authorization = _client.DefaultRequestHeaders.Authorization;

        var ok = await noRedirect.GetAsync("/culture/set?culture=zh-CN&redirectUri=%2Fjobs");
        var foreign = await noRedirect.GetAsync("/culture/set?culture=en&redirectUri=https%3A%2F%2Fevil.example%2F");
        var bad = await noRedirect.GetAsync("/culture/set?culture=xx-YY");

        ok.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        ok.Headers.Location!.ToString().ShouldBe("/jobs");
        ok.Headers.GetValues("Set-Cookie").Single().ShouldContain("c%3Dzh-CN");
        foreign.Headers.Location!.ToString().ShouldBe("/");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // An image in rendered Markdown, or a link from another site, does not switch the reader's language.
        foreach (var (dest, site) in new[] { ("image", "same-origin"), ("iframe", "same-origin"), ("document", "cross-site") })
        {
            using var embedded = new HttpRequestMessage(HttpMethod.Get, "/culture/set?culture=en&redirectUri=%2F");
            embedded.Headers.Add("Sec-Fetch-Dest", dest);
            embedded.Headers.Add("Sec-Fetch-Site", site);
            var refused = await noRedirect.SendAsync(embedded);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{dest} from {site}");
            refused.Headers.Contains("Set-Cookie").ShouldBeFalse();
        }

        using var menu = new HttpRequestMessage(HttpMethod.Get, "/culture/set?culture=en&redirectUri=%2F");
        menu.Headers.Add("Sec-Fetch-Dest", "document");
        menu.Headers.Add("Sec-Fetch-Site", "same-origin");
        (await noRedirect.SendAsync(menu)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Pages_render_in_the_language_of_the_culture_cookie()
    {
        // Pages are driven by the session cookie only (a Basic or token caller is sent to sign in).
        var english = await CookieSession.SignInAsync(_factory, "admin", PlatformWebFactory.AdminPassword);
        var cookies = new CookieContainer();
        var chinese = await CookieSession.SignInAsync(_factory, "admin", PlatformWebFactory.AdminPassword, cookies);
        cookies.Add(_factory.ClientOptions.BaseAddress, new Cookie(".AspNetCore.Culture", "c%3Dzh-CN%7Cuic%3Dzh-CN"));

        var html = WebUtility.HtmlDecode(await chinese.GetStringAsync("/jobs"));

        html.ShouldContain("<html lang=\"zh-CN\"");
        html.ShouldContain("仪表盘");
        (await english.GetStringAsync("/jobs")).ShouldContain("Dashboard");
    }

    private static async Task<JsonElement> ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:" + code);
        problem.GetProperty("status").GetInt32().ShouldBe((int)status);
        problem.TryGetProperty("correlationId", out _).ShouldBeTrue();
        return problem;
    }
}
