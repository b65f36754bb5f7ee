using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>Sign-in journeys in a real browser: wrong password, MFA enrolment and sign-in, sharing a project.</summary>
public sealed partial class AccessJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_wrong_password_shows_a_readable_error_and_keeps_the_user_name()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.BaseUrl + "/jobs");
        await page.Locator("#userName").FillAsync("admin");
        await page.Locator("#password").FillAsync("not-the-password");
        await page.Locator("[data-testid=login-submit]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=login-error]")).ToHaveTextAsync("The user name or password is not correct.");
        await Assertions.Expect(page.Locator("#userName")).ToHaveValueAsync("admin");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "login.png") });
    }

    [Fact]
    public async Task A_user_turns_mfa_off_from_the_profile_page_with_the_current_password_and_reads_the_refusal_in_chinese()
    {
        var api = fixture.CreateAdminApiClient();
        (await api.PostAsJsonAsync("/api/v1/users", new { userName = "reauth-user", password = "Passw0rd-reauth", mustChangePassword = false, roleIds = new[] { new Guid("00000000-0000-0000-0000-00000000a006") } })).EnsureSuccessStatusCode();
        var page = await fixture.OpenAsync("/me", "reauth-user", "Passw0rd-reauth");
        await page.Locator("[data-testid=mfa-begin]").ClickAsync();
        var key = await page.Locator("[data-testid=mfa-key]").TextContentAsync();
        await page.Locator("input[data-testid=mfa-code], [data-testid=mfa-code] input").FillAsync(Totp.Code(key!, DateTimeOffset.UtcNow));
        await page.Locator("[data-testid=mfa-verify]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=recovery-codes]")).ToBeVisibleAsync();

        // The language switcher's own route, as a click on 中文 in its menu goes.
        await page.GotoAsync(fixture.BaseUrl + "/culture/set?culture=zh-CN&redirectUri=%2Fme");
        await BrowserFixture.WaitForCircuitAsync(page, "/me in zh-CN");
        await page.Locator("[data-testid=mfa-disable]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Last).ToHaveTextAsync("请确认是您本人：请输入当前密码或身份验证器应用中的验证码以确认此更改。");

        await page.Locator("input[data-testid=reauth-password], [data-testid=reauth-password] input").FillAsync("Passw0rd-reauth");
        await page.Locator("[data-testid=mfa-disable]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=mfa-begin]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("[data-testid=error-boundary]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_user_enrols_an_authenticator_and_must_then_give_a_code_at_sign_in()
    {
        var api = fixture.CreateAdminApiClient();
        (await api.PostAsJsonAsync("/api/v1/users", new { userName = "mfa-user", password = "Passw0rd-mfa", mustChangePassword = false, roleIds = new[] { new Guid("00000000-0000-0000-0000-00000000a006") } })).EnsureSuccessStatusCode();
        var page = await fixture.OpenAsync("/me", "mfa-user", "Passw0rd-mfa");

        await page.Locator("[data-testid=mfa-begin]").ClickAsync();
        var key = await page.Locator("[data-testid=mfa-key]").TextContentAsync();
        await Assertions.Expect(page.Locator("[data-testid=mfa-qr]")).ToBeVisibleAsync();
        await page.Locator("input[data-testid=mfa-code], [data-testid=mfa-code] input").FillAsync(Totp.Code(key!, DateTimeOffset.UtcNow));
        await page.Locator("[data-testid=mfa-verify]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=recovery-codes]")).ToBeVisibleAsync();
        var recoveryCode = (await page.Locator("[data-testid=recovery-codes]").TextContentAsync())!.Split('\n')[0].Trim();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "profile-mfa.png"), FullPage = true });

        var second = await fixture.NewPageAsync();
        await second.GotoAsync(fixture.BaseUrl + "/projects");
        await second.Locator("#userName").FillAsync("mfa-user");
        await second.Locator("#password").FillAsync("Passw0rd-mfa");
        await second.Locator("[data-testid=login-submit]").ClickAsync();
        await Assertions.Expect(second).ToHaveURLAsync(TwoFactorUrl());
        await second.Locator("#code").FillAsync("000000");
        await second.Locator("[data-testid=code-submit]").ClickAsync();
        await Assertions.Expect(second.Locator("[data-testid=login-error]")).ToBeVisibleAsync();
        await second.Locator("#code").FillAsync(Totp.Code(key!, DateTimeOffset.UtcNow));
        await second.Locator("[data-testid=code-submit]").ClickAsync();
        await BrowserFixture.WaitForCircuitAsync(second, "/projects");
        await Assertions.Expect(second.Locator("h4")).ToHaveTextAsync("Projects");

        var third = await fixture.NewPageAsync();
        await third.GotoAsync(fixture.BaseUrl + "/");
        await third.Locator("#userName").FillAsync("mfa-user");
        await third.Locator("#password").FillAsync("Passw0rd-mfa");
        await third.Locator("[data-testid=login-submit]").ClickAsync();
        await third.GetByText("Use a recovery code instead").ClickAsync();
        await Assertions.Expect(third).ToHaveURLAsync(RecoveryUrl());
        await Assertions.Expect(third.Locator("label[for=code]")).ToHaveTextAsync("Recovery code");
        await third.Locator("#code").FillAsync(recoveryCode);
        await third.Locator("[data-testid=code-submit]").ClickAsync();
        await BrowserFixture.WaitForCircuitAsync(third, "/");

        using var basic = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("mfa-user:Passw0rd-mfa")));
        (await basic.GetAsync("/api/v1/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_owner_shares_a_project_with_a_colleague_who_then_sees_it()
    {
        var api = fixture.CreateAdminApiClient();
        (await api.PostAsJsonAsync("/api/v1/users", new { userName = "colleague", password = "Passw0rd-colleague", mustChangePassword = false })).EnsureSuccessStatusCode();
        var page = await fixture.OpenAsync("/projects");
        await page.Locator("[data-testid=new-project]").ClickAsync();
        await page.Locator("input[data-testid=project-name], [data-testid=project-name] input").FillAsync("Demand forecast");
        await page.Locator("[data-testid=project-create]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=project-title]")).ToHaveTextAsync("Demand forecast");

        await page.Locator("[data-testid=share-button]").ClickAsync();
        await page.Locator("input[data-testid=share-user], [data-testid=share-user] input").FillAsync("colleague");
        await page.Locator("[data-testid=share-submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=grant-list]")).ToContainTextAsync("colleague");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "share-dialog.png"), FullPage = true });

        await page.GotoAsync(fixture.BaseUrl + "/admin/audit");
        await BrowserFixture.WaitForCircuitAsync(page, "/admin/audit");
        await Assertions.Expect(page.Locator("[data-testid=audit-grid]")).ToContainTextAsync("admin granted Read on project Demand forecast to user colleague");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "audit.png"), FullPage = true });

        var colleague = await fixture.OpenAsync("/projects", "colleague", "Passw0rd-colleague");
        await Assertions.Expect(colleague.Locator("[data-testid=project-link]")).ToHaveTextAsync("Demand forecast");
        await colleague.Locator("[data-testid=project-link]").ClickAsync();
        await Assertions.Expect(colleague.Locator("[data-testid=project-permission]")).ToHaveTextAsync("Read");
        await Assertions.Expect(colleague.Locator("[data-testid=delete-project]")).ToHaveCountAsync(0);
    }

    [GeneratedRegex("/account/login-2fa")]
    private static partial Regex TwoFactorUrl();

    [GeneratedRegex("recovery=true")]
    private static partial Regex RecoveryUrl();
}
