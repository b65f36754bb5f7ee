using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>
/// Every page reachable from the navigation, and the detail pages of a little real content, reads in Chinese: the page
/// text holds no Latin-only word outside an allow-list of names, units, code and product names.
/// </summary>
public sealed partial class ChinesePagesTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    // Product and technology names, units and formats that stay as they are in Chinese, and the names of the content made here.
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        "AiPlatform", "MLflow", "ONNX", "SQL", "API", "REST", "LLM", "GUID", "UUID", "ID", "CSV", "JSON", "Parquet", "DuckDB", "Git", "URL",
        "Python", "PyTorch", "ML", "NET", "LightGBM", "FastTree", "OpenAI", "OIDC", "OpenID", "Connect", "TOTP", "MFA", "HTTP", "HTTPS",
        "MinIO", "Kubernetes", "Triton", "Hangfire", "Markdown", "Prometheus", "PostgreSQL", "SQLite", "UTC", "AUC", "RMSE", "MAE", "KB", "MB",
        "GB", "TB", "PB", "ms", "px", "vCPU", "CPU", "GPU", "RAG", "Token", "OK", "Scalar", "TPE",
        "LiteLLM", "Ollama", "vLLM", "IP", "BIGINT", "VARCHAR", "DOUBLE", "BOOLEAN", "SELECT", "FROM", "WHERE", "LIMIT",
        "docx", "html", "md", "pdf", "txt", "xlsx", "tsv", "Kafka", "Runtime", "Bearer", "Basic", "LIKE", "AND",
        // A configuration section named in a hint (Authentication:*), and the bootstrap account's own display name (user data).
        "Authentication", "Administrator",
        "admin", "houses", "csv", "city", "price", "id", "Lyon", "Nantes", "zhpages", "churn", "auc",
    };

    [Fact]
    public async Task Every_page_reads_in_chinese()
    {
        var api = fixture.CreateAdminApiClient();
        var content = await CreateContentAsync(api);
        var page = await fixture.OpenAsync("/");
        await page.Locator("[data-testid=language-menu] button").First.ClickAsync();
        await page.Locator("[data-testid=language-zh-CN]").ClickAsync();
        await Assertions.Expect(page.Locator("h4")).ToHaveTextAsync("仪表盘");
        await BrowserFixture.WaitForCircuitAsync(page, "/");

        var fromNavigation = await page.EvaluateAsync<string[]>(
            "() => Array.from(document.querySelectorAll('.mud-drawer a[href]')).map(a => a.getAttribute('href')).filter(h => h.startsWith('/') && !h.startsWith('/api/'))");
        var urls = fromNavigation
            .Concat(["/", "/me", "/training/new", "/studies/new", "/endpoints/new", "/admin/users", "/admin/roles", "/admin/groups", "/admin/audit", "/admin/sign-in", "/admin/llm"])
            .Concat(content)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        urls.Count.ShouldBeGreaterThan(20);

        var offending = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var url in urls)
        {
            await page.GotoAsync(fixture.BaseUrl + url);
            await BrowserFixture.WaitForCircuitAsync(page, url);
            await SettledAsync(page);
            var text = await page.EvaluateAsync<string>(
                "() => { document.querySelectorAll('code, pre, kbd, textarea').forEach(e => e.remove()); return document.body.innerText; }");
            var words = LatinWords(text).ToList();
            if (words.Count > 0)
            {
                offending[url] = new SortedSet<string>(words, StringComparer.Ordinal);
            }
        }

        var report = new StringBuilder();
        foreach (var (url, words) in offending)
        {
            report.AppendLine($"{url}: {string.Join(", ", words)}");
        }

        await File.WriteAllTextAsync(Path.Combine(BrowserFixture.ArtifactDirectory, "latin-words-zh-CN.txt"), report.ToString());
        offending.ShouldBeEmpty($"Latin-only words on pages in zh-CN (allow-list in {nameof(ChinesePagesTests)}):{Environment.NewLine}{report}");
    }

    /// <summary>The Latin-only words of a page's text that are not code, addresses or allowed names.</summary>
    internal static IEnumerable<string> LatinWords(string text) =>
        LatinWord().Matches(CodeLike().Replace(Url().Replace(text, " "), " ")).Select(m => m.Value).Where(w => !Allowed.Contains(w));

    /// <summary>A project, a dataset with an uploaded version, an experiment with a run: the detail pages to visit.</summary>
    private static async Task<List<string>> CreateContentAsync(HttpClient api)
    {
        var project = await ReadAsync(await api.PostAsJsonAsync("/api/v1/projects", new { name = "zhpages" }));
        var projectId = project.GetProperty("id").GetString();
        var dataset = await ReadAsync(await api.PostAsJsonAsync("/api/v1/datasets", new { name = "houses" }));
        var datasetId = dataset.GetProperty("id").GetString();
        var csv = new StringContent("id,city,price\n" + string.Join("\n", Enumerable.Range(1, 40).Select(i => $"{i},{(i % 2 == 0 ? "Lyon" : "Nantes")},{i * 1000}")), Encoding.UTF8, "text/csv");
        (await api.PostAsync($"/api/v1/datasets/{datasetId}/versions?fileName=houses.csv", csv)).EnsureSuccessStatusCode();
        var mlflow = await ReadAsync(await api.PostAsJsonAsync("/api/2.0/mlflow/experiments/create", new { name = "churn", tags = new[] { new { key = "aiplatform.project", value = projectId } } }));
        var run = await ReadAsync(await api.PostAsJsonAsync("/api/2.0/mlflow/runs/create", new { experiment_id = mlflow.GetProperty("experiment_id").GetString(), run_name = "churn", start_time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }));
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
        (await api.PostAsJsonAsync("/api/2.0/mlflow/runs/log-batch", new { run_id = runId, metrics = new[] { new { key = "auc", value = 0.91, timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), step = 0 } } })).EnsureSuccessStatusCode();
        var experiments = await ReadAsync(await api.GetAsync("/api/v1/experiments"));
        var experimentId = experiments.GetProperty("items").EnumerateArray().First(e => e.GetProperty("name").GetString() == "churn").GetProperty("id").GetString();
        var jobs = await ReadAsync(await api.GetAsync("/api/v1/jobs"));
        var jobId = jobs.GetProperty("items")[0].GetProperty("id").GetString();
        return [$"/projects/{projectId}", $"/datasets/{datasetId}", $"/experiments/{experimentId}", $"/runs/{runId}", $"/jobs/{jobId}"];
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Waits until the page has loaded its data: no loading bar or skeleton left (a page that keeps one is read as it is).</summary>
    private static async Task SettledAsync(IPage page)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        try
        {
            await page.WaitForFunctionAsync(
                "() => document.querySelectorAll('.mud-skeleton, .mud-table-loading, .mud-progress-linear-indeterminate').length === 0",
                null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
        }
    }

    // Code inside a sentence: config keys (Serving:Kubernetes), placeholders ({name}), aliases (@champion), paths
    // (/v2/models/x), quoted names ("sales"), filter expressions (metrics.x > 0.5, tags.z = 'v').
    [GeneratedRegex("\\S*(?:[:{}@/=<>%'\"]|[A-Za-z0-9]\\.[A-Za-z])\\S*")]
    private static partial Regex CodeLike();

    [GeneratedRegex("\\S+://\\S+")]
    private static partial Regex Url();

    // A word made of Latin letters only (two or more), not part of a longer token with digits or underscores (ids, v2, x_1).
    [GeneratedRegex("(?<![A-Za-z0-9_.-])[A-Za-z]{2,}(?![A-Za-z0-9_-])")]
    private static partial Regex LatinWord();
}
