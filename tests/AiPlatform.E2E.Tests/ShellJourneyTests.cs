using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>What a user does in a real browser: navigate the shell, start a job, watch it finish, switch language.</summary>
public sealed partial class ShellJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_user_starts_a_storage_scan_from_the_jobs_page_and_watches_it_finish()
    {
        var page = await fixture.OpenAsync("/");
        await Assertions.Expect(page.Locator("h4")).ToHaveTextAsync("Dashboard");

        await page.Locator("[data-testid=nav-jobs]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(JobsUrl());
        await Assertions.Expect(page.Locator("h4")).ToHaveTextAsync("Jobs");

        await page.Locator("[data-testid=start-job-menu]").ClickAsync();
        await page.Locator("[data-testid='start-storage.scan']").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(JobUrl());
        await Assertions.Expect(page.Locator("[data-testid=job-status]")).ToHaveTextAsync("Succeeded", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=job-log]")).ToContainTextAsync("Finished: Succeeded.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "job-detail.png"), FullPage = true });

        await page.Locator("[data-testid=nav-jobs]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-link]").First).ToHaveTextAsync("Storage scan");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "jobs.png"), FullPage = true });

        await page.Locator("[data-testid=nav-dashboard]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=stat-total-jobs] .stat-value")).Not.ToHaveTextAsync("0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "dashboard.png"), FullPage = true });
    }

    [Fact]
    public async Task The_language_switch_turns_the_shell_chinese_and_is_remembered_for_the_user()
    {
        var api = fixture.CreateAdminApiClient();
        (await api.PostAsJsonAsync("/api/v1/users", new { userName = "polyglot", password = "Passw0rd-polyglot", mustChangePassword = false })).EnsureSuccessStatusCode();
        var page = await fixture.OpenAsync("/jobs", "polyglot", "Passw0rd-polyglot");

        await page.Locator("[data-testid=language-menu] button").First.ClickAsync();
        await page.Locator("[data-testid=language-zh-CN]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=nav-jobs]")).ToContainTextAsync("作业", new() { Timeout = 15_000 });
        await Assertions.Expect(page).ToHaveURLAsync(JobsUrl());
        await page.Locator("[data-testid=circuit-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("[data-testid=nav-dashboard]").ClickAsync();
        await Assertions.Expect(page.Locator("h4")).ToHaveTextAsync("仪表盘");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("h4")).ToHaveTextAsync("仪表盘");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "dashboard-zh-CN.png"), FullPage = true });

        var otherBrowser = await fixture.OpenAsync("/", "polyglot", "Passw0rd-polyglot");
        await Assertions.Expect(otherBrowser.Locator("h4")).ToHaveTextAsync("仪表盘");
    }

    [Fact]
    public async Task The_theme_toggle_switches_to_dark_mode()
    {
        var page = await fixture.OpenAsync("/");
        var before = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

        await page.Locator("[data-testid=theme-toggle]").ClickAsync();

        await Assertions.Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", before);
    }

    [GeneratedRegex("/jobs$")]
    private static partial Regex JobsUrl();

    [GeneratedRegex("/jobs/[0-9a-f-]{36}$")]
    private static partial Regex JobUrl();
}
