using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>A data scientist trains a LightGBM model with the wizard, reads its metrics, then tunes it with a study.</summary>
public sealed class TrainingJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_user_trains_with_the_wizard_and_tunes_the_run_with_a_study()
    {
        using var api = fixture.CreateAdminApiClient();
        var project = await PostAsync(api, "/api/v1/projects", new { name = "retention" });
        var experiment = await PostAsync(api, "/api/v1/experiments", new { projectId = project.GetProperty("id").GetGuid(), name = "churn-models" });
        var dataset = await PostAsync(api, "/api/v1/datasets", new { name = "subscribers" });
        var random = new Random(5);
        var rows = Enumerable.Range(0, 400).Select(i =>
        {
            var tenure = random.Next(1, 60);
            var spend = random.Next(5, 100);
            var churned = (tenure < 20 && spend < 50) ^ (random.NextDouble() < 0.15);
            return $"{tenure},{spend},{(i % 2 == 0 ? "basic" : "pro")},{(churned ? "yes" : "no")}";
        });
        var upload = await api.PostAsync($"/api/v1/datasets/{dataset.GetProperty("id").GetGuid()}/versions?fileName=subs.csv", new StringContent("tenure,spend,plan,churned\n" + string.Join("\n", rows) + "\n"));
        upload.EnsureSuccessStatusCode();

        var page = await fixture.OpenAsync($"/training/new?experiment={experiment.GetProperty("id").GetGuid()}");
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        await page.Locator("[data-testid=wizard-dataset]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "subscribers" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=wizard-version]")).ToContainTextAsync("v1");
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=wizard-label]")).ToContainTextAsync("churned");
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "training-wizard.png") });
        await page.Locator("[data-testid=wizard-submit]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=training-status]")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=training-metrics]")).ToContainTextAsync("auc");
        await Assertions.Expect(page.Locator("[data-testid=training-log]")).ToContainTextAsync("Evaluated");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "training-run.png") });

        await page.Locator("[data-testid=tune-training]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=space-row]")).ToHaveCountAsync(4);
        await page.Locator("input[data-testid=study-max-trials]").FillAsync("4");
        await page.Locator("[data-testid=study-submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=study-status]")).ToHaveTextAsync("Succeeded", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=trial-row]")).ToHaveCountAsync(4);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Optimization history" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=history-chart] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "study.png") });
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
