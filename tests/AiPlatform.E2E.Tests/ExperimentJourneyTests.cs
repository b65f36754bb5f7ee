using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>
/// A training script logs runs through the MLflow REST API; a data scientist then finds the best runs with the
/// filter language, compares them and reads a run's charts, all in a real browser.
/// </summary>
public sealed class ExperimentJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Runs_logged_by_a_script_are_filtered_compared_and_charted_in_the_browser()
    {
        using var api = fixture.CreateAdminApiClient();
        var experimentId = await PostAsync(api, "experiments/create", new { name = "house-prices" });
        var mlflowId = experimentId.GetProperty("experiment_id").GetString();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (name, lr, depth) in new[] { ("gbm-fast", "0.3", "4"), ("gbm-slow", "0.05", "8"), ("linear", "0.1", "1") })
        {
            var run = await PostAsync(api, "runs/create", new { experiment_id = mlflowId, run_name = name, start_time = start });
            var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
            var quality = name == "linear" ? 0.6 : name == "gbm-slow" ? 0.9 : 0.8;
            await PostAsync(api, "runs/log-batch", new
            {
                run_id = runId,
                @params = new[] { new { key = "lr", value = lr }, new { key = "max_depth", value = depth } },
                metrics = Enumerable.Range(0, 20).Select(step => new { key = "r2", value = quality * (1 - Math.Exp(-step / 4.0)), timestamp = start + (step * 1000), step = (long)step }).ToArray(),
            });
            await PostAsync(api, "runs/update", new { run_id = runId, status = "FINISHED", end_time = start + 20_000 });
        }

        var page = await fixture.OpenAsync("/experiments");
        await page.Locator("[data-testid=experiment-link]", new() { HasText = "house-prices" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=experiment-title]")).ToHaveTextAsync("house-prices");
        await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveCountAsync(3);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "experiment-runs.png") });

        await page.Locator("input[data-testid=runs-filter]").FillAsync("metrics.r2 > 0.7 and params.max_depth != '1'");
        await page.Locator("input[data-testid=runs-filter]").PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveCountAsync(2);

        await page.Locator("[data-testid=runs-table] tbody tr input[type=checkbox]").Nth(0).CheckAsync();
        await page.Locator("[data-testid=runs-table] tbody tr input[type=checkbox]").Nth(1).CheckAsync();
        await page.Locator("[data-testid=compare-runs]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=param-row][data-differs=true]")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Parallel coordinates" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=parallel-coordinates] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "run-compare.png") });

        await page.GoBackAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-link]").First).ToBeVisibleAsync();
        await page.Locator("[data-testid=run-link]", new() { HasText = "gbm-slow" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-title]")).ToHaveTextAsync("gbm-slow");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Charts" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=metric-chart] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("[data-testid=metric-chart] .scatterlayer .trace")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "run-charts.png") });
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string endpoint, object body)
    {
        var response = await api.PostAsJsonAsync("/api/2.0/mlflow/" + endpoint, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
