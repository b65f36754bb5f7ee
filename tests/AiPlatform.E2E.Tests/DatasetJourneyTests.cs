using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>A data scientist creates a dataset, uploads a CSV from the browser and explores its rows.</summary>
public sealed class DatasetJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_user_uploads_a_csv_and_pages_and_sorts_its_preview()
    {
        var csv = Path.Combine(BrowserFixture.ArtifactDirectory, "houses.csv");
        await File.WriteAllLinesAsync(csv, ["id,city,price", .. Enumerable.Range(1, 120).Select(i => $"{i},{(i % 2 == 0 ? "Lyon" : "Nantes")},{i * 1000}")]);
        var page = await fixture.OpenAsync("/datasets");

        await page.Locator("[data-testid=new-dataset]").ClickAsync();
        await page.Locator("input[data-testid=dataset-name], [data-testid=dataset-name] input").FillAsync("Houses");
        await page.Locator("[data-testid=dataset-create]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=dataset-title]")).ToHaveTextAsync("Houses");

        await BrowserFixture.PickFilesAsync(page.Locator("input[type=file]").First, csv);
        await Assertions.Expect(page.Locator("[data-testid=version-list]")).ToContainTextAsync("v1", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=version-list]")).ToContainTextAsync("120");
        await Assertions.Expect(page.Locator("[data-testid=preview] tbody tr")).ToHaveCountAsync(50);

        await page.Locator("[data-testid=preview] th", new() { HasText = "price" }).ClickAsync();
        await page.Locator("[data-testid=preview] th", new() { HasText = "price" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=preview] tbody tr").First.Locator("td").Nth(2)).ToHaveTextAsync("120000");
        await page.Locator("[data-testid=preview-next]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=preview] tbody tr").First.Locator("td").Nth(2)).ToHaveTextAsync("70000");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "dataset.png") });

        await page.GetByRole(AriaRole.Tab, new() { Name = "Profile" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=profile-column]")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=profile]")).ToContainTextAsync("Nantes");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "dataset-profile.png") });

        var copy = Path.Combine(BrowserFixture.ArtifactDirectory, "houses-copy.csv");
        File.Copy(csv, copy, overwrite: true);
        await BrowserFixture.PickFilesAsync(page.Locator("input[type=file]").First, copy);
        await Assertions.Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("already version 1");
        await Assertions.Expect(page.Locator("[data-testid=version-list]")).Not.ToContainTextAsync("v2");

        await page.Locator("[data-testid=nav-sql]").ClickAsync();
        await page.Locator("textarea[data-testid=sql-input], [data-testid=sql-input] textarea").FillAsync("SELECT city, AVG(price) AS avg_price FROM \"Houses\" GROUP BY city ORDER BY city");
        await page.Locator("[data-testid=sql-run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=sql-result] tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=sql-result] tbody tr").First).ToContainTextAsync("Lyon");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "sql-console.png") });
        await page.Locator("textarea[data-testid=sql-input], [data-testid=sql-input] textarea").FillAsync("SELECT * FROM read_csv('/etc/passwd')");
        await page.Locator("[data-testid=sql-run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=sql-error]")).ToContainTextAsync("read_csv is not available");
    }
}
