using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>Single sign-on in a real browser: the identity provider's login, first-login provisioning and role mapping.</summary>
public sealed class OidcJourneyTests(OidcBrowserFixture fixture) : IClassFixture<OidcBrowserFixture>
{
    [Fact]
    public async Task A_keycloak_user_signs_in_is_provisioned_and_gets_the_mapped_role()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.BaseUrl + "/admin/users");
        await page.Locator("[data-testid=login-sso]").ClickAsync();

        await page.Locator("input[name=login]").FillAsync("admin-ann");
        await page.Locator("input[name=password]").FillAsync("anything");
        await page.Locator("button[type=submit]").ClickAsync();
        var consent = page.Locator("button[type=submit]");
        if (await consent.CountAsync() > 0 && page.Url.Contains("/realms/", StringComparison.Ordinal))
        {
            await consent.ClickAsync();
        }

        await BrowserFixture.WaitForCircuitAsync(page, "/admin/users");
        await page.Locator("[data-testid=user-menu] button").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("admin-ann");
        await Assertions.Expect(page.Locator("h4")).ToHaveTextAsync("Users");
        await Assertions.Expect(page.Locator("[data-testid=users-grid]")).ToContainTextAsync("admin-ann");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "sso-users.png"), FullPage = true });
    }
}
