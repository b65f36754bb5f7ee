using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>
/// The Content-Security-Policy is tested where it counts, in a browser: the dashboard, a run's Plotly charts (line
/// and parallel coordinates), a MudBlazor dialog and the API reference all work, and the browser reports no violation.
/// </summary>
public sealed class ContentSecurityPolicyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    // Reported through console messages as well, so every violation shows up in one list.
    private const string ViolationReporter = """
        document.addEventListener('securitypolicyviolation', e =>
            console.error('securitypolicyviolation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber));
        """;

    [Fact]
    public async Task Dashboard_charts_dialogs_and_the_api_reference_run_under_the_policy_without_violations()
    {
        using var api = fixture.CreateAdminApiClient();
        var experimentName = await SeedRunsAsync(api);
        var project = await (await api.PostAsJsonAsync("/api/v1/projects", new { name = "csp-project" })).Content.ReadFromJsonAsync<JsonElement>();

        var violations = new List<string>();
        var page = await fixture.NewPageAsync();
        await page.Context.AddInitScriptAsync(ViolationReporter);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Refused to", StringComparison.Ordinal) || message.Text.Contains("securitypolicyviolation", StringComparison.Ordinal) || message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add($"{page.Url}: {message.Text}");
            }
        };

        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.Locator("#userName").FillAsync("admin");
        await page.Locator("#password").FillAsync(BrowserFixture.AdminPassword);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        await BrowserFixture.WaitForCircuitAsync(page, "/");
        (await page.EvaluateAsync<bool>("typeof window.aiPlatform === 'object'")).ShouldBeTrue("the platform's own script file loads");

        await page.GotoAsync(fixture.BaseUrl + "/experiments");
        await BrowserFixture.WaitForCircuitAsync(page, "/experiments");
        await page.Locator("[data-testid=experiment-link]", new() { HasText = experimentName }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveCountAsync(2);
        await page.Locator("[data-testid=runs-table] tbody tr input[type=checkbox]").Nth(0).CheckAsync();
        await page.Locator("[data-testid=runs-table] tbody tr input[type=checkbox]").Nth(1).CheckAsync();
        await page.Locator("[data-testid=compare-runs]").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Parallel coordinates" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=parallel-coordinates] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        await page.GoBackAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-link]").First).ToBeVisibleAsync();
        await page.Locator("[data-testid=run-link]", new() { HasText = "run-a" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-title]")).ToHaveTextAsync("run-a");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Charts" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=metric-chart] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("[data-testid=metric-chart] .scatterlayer .trace")).ToHaveCountAsync(1);

        await page.GotoAsync(fixture.BaseUrl + $"/projects/{project.GetProperty("id").GetGuid()}");
        await BrowserFixture.WaitForCircuitAsync(page, "project page");
        await page.Locator("[data-testid=share-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=share-submit]")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "csp-dialog.png") });

        await page.GotoAsync(fixture.BaseUrl + "/api/docs");
        await Assertions.Expect(page.GetByText("AiPlatform API").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await page.WaitForTimeoutAsync(1000);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "csp-api-docs.png") });

        violations.ShouldBeEmpty();
    }

    private static async Task<string> SeedRunsAsync(HttpClient api)
    {
        var experiment = await PostAsync(api, "experiments/create", new { name = "csp-charts" });
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (name, lr) in new[] { ("run-a", "0.1"), ("run-b", "0.3") })
        {
            var run = await PostAsync(api, "runs/create", new { experiment_id = experiment.GetProperty("experiment_id").GetString(), run_name = name, start_time = start });
            var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
            await PostAsync(api, "runs/log-batch", new
            {
                run_id = runId,
                @params = new[] { new { key = "lr", value = lr } },
                metrics = Enumerable.Range(0, 10).Select(step => new { key = "loss", value = 1.0 / (step + 1), timestamp = start + (step * 1000), step = (long)step }).ToArray(),
            });
        }

        return "csp-charts";
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string endpoint, object body)
    {
        var response = await api.PostAsJsonAsync("/api/2.0/mlflow/" + endpoint, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
