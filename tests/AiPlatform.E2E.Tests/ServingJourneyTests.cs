using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>An ML engineer deploys a registered model, tries it, starts a canary, watches the traffic and rolls back.</summary>
public sealed class ServingJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_user_deploys_a_model_tries_it_runs_a_canary_and_rolls_back()
    {
        using var api = fixture.CreateAdminApiClient();
        var project = await PostAsync(api, "/api/v1/projects", new { name = "pricing" });
        var experiment = await PostAsync(api, "/api/v1/experiments", new { projectId = project.GetProperty("id").GetGuid(), name = "churn-serving" });
        var dataset = await PostAsync(api, "/api/v1/datasets", new { name = "customers" });
        var random = new Random(9);
        var rows = Enumerable.Range(0, 300).Select(i =>
        {
            var tenure = random.Next(1, 60);
            var spend = random.Next(5, 100);
            return $"{tenure},{spend},{(i % 2 == 0 ? "basic" : "pro")},{(tenure < 20 && spend < 50 ? "yes" : "no")}";
        });
        (await api.PostAsync($"/api/v1/datasets/{dataset.GetProperty("id").GetGuid()}/versions?fileName=c.csv", new StringContent("tenure,spend,plan,churned\n" + string.Join("\n", rows) + "\n"))).EnsureSuccessStatusCode();
        var versionId = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/datasets/{dataset.GetProperty("id").GetGuid()}/versions")).RootElement[0].GetProperty("id").GetGuid();
        var run = await PostAsync(api, "/api/v1/training-runs", new
        {
            experimentId = experiment.GetProperty("id").GetGuid(),
            kind = "BuiltIn",
            builtIn = new { task = "BinaryClassification", trainer = "LightGbm", label = "churned", features = new[] { "tenure", "spend", "plan" }, hyperparameters = new Dictionary<string, double> { ["numberOfIterations"] = 20 }, testFraction = 0.2 },
            datasetId = dataset.GetProperty("id").GetGuid(),
            datasetVersionId = versionId,
        });
        // Wait for the run's final state (Queued, Starting and Running are all on the way there), failing loudly.
        var detail = await WaitForFinalStateAsync(api, run.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(3));
        detail.GetProperty("status").GetString().ShouldBe("Succeeded", detail.TryGetProperty("error", out var error) ? error.ToString() : null);
        var model = (await PostAsync(api, "/api/v1/models", new { name = "churn" })).GetProperty("model").GetProperty("id").GetGuid();
        for (var i = 0; i < 2; i++)
        {
            await PostAsync(api, $"/api/v1/models/{model}/versions", new { source = $"runs:/{detail.GetProperty("trackingRunId").GetGuid():N}/model" });
        }

        // The version page shows the conversion report of the ML.NET → ONNX export.
        var page = await fixture.OpenAsync($"/models/{model}/versions/1");
        await Assertions.Expect(page.Locator("[data-testid=conversion-verdict]")).ToContainTextAsync("agree");
        await Assertions.Expect(page.Locator("[data-testid=graph-facts]")).ToContainTextAsync("ai.onnx");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "model-version.png"), FullPage = true });

        // Deploy from the model page.
        await page.GotoAsync($"{fixture.BaseUrl}/models/{model}");
        await BrowserFixture.WaitForCircuitAsync(page, "/models");
        await page.Locator("[data-testid=deploy-model]").ClickAsync();
        await Assertions.Expect(page.Locator("input[data-testid=deploy-name]")).ToHaveValueAsync("churn");
        await page.Locator("[data-testid=deploy-submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=endpoint-status]")).ToHaveAttributeAsync("data-status", "Ready", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=infer-url]")).ToContainTextAsync("/v2/models/churn/infer");

        // Try it with one record.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Try it" }).ClickAsync();
        await page.Locator("input[data-testid=try-tenure]").FillAsync("3");
        await page.Locator("input[data-testid=try-spend]").FillAsync("12");
        await page.Locator("input[data-testid=try-plan]").FillAsync("basic");
        await page.Locator("[data-testid=try-predict]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=try-prediction]")).ToContainTextAsync("Probability");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "endpoint-try.png") });

        // A canary on version 2 takes half the traffic.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Overview" }).ClickAsync();
        await page.Locator("[data-testid=canary-target]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "v1" }).First.ClickAsync();
        await page.Locator("input[data-testid=canary-percent]").FillAsync("50");
        await page.Locator("[data-testid=start-canary]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=canary-chip]")).ToContainTextAsync("v1");

        var body = """{"inputs": [{"name": "tenure", "shape": [1, 1], "datatype": "FP32", "data": [5]}, {"name": "spend", "shape": [1, 1], "datatype": "FP32", "data": [20]}, {"name": "plan", "shape": [1, 1], "datatype": "BYTES", "data": ["pro"]}]}""";
        var versions = new HashSet<string>();
        for (var i = 0; i < 40; i++)
        {
            var response = await api.PostAsync("/v2/models/churn/infer", new StringContent(body, Encoding.UTF8, "application/json"));
            versions.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("model_version").GetString()!);
        }

        versions.ShouldBe(["1", "2"], ignoreOrder: true);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Monitoring" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=metrics-row]")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("[data-testid=serving-chart] .js-plotly-plot").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "endpoint-monitoring.png"), FullPage = true });

        await page.GetByRole(AriaRole.Tab, new() { Name = "Overview" }).ClickAsync();
        await page.Locator("[data-testid=rollback]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=canary-chip]")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=endpoint-history]")).ToContainTextAsync("Rolled back");
    }

    /// <summary>Polls the training run until it has ended; throws with its last state when it has not within <paramref name="timeout"/>.</summary>
    private static async Task<JsonElement> WaitForFinalStateAsync(HttpClient api, Guid runId, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var detail = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/training-runs/{runId}")).RootElement.GetProperty("run").Clone();
            if (detail.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                return detail;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for training run {runId} to end; it is still {detail.GetProperty("status").GetString()}.");
            }

            await Task.Delay(200);
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
