using AiPlatform.Core.Access;
using AiPlatform.E2E.Tests;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Security;

/// <summary>The profile page turns MFA off only after the current password (or a code) is typed: an unattended session cannot.</summary>
public sealed class ProfileReauthenticationTests : PageTestBase
{
    [Fact]
    public async Task Turning_mfa_off_on_the_profile_page_needs_the_current_password()
    {
        var accounts = Get<IAccountService>();
        var setup = await accounts.BeginMfaSetupAsync(AdminId, default);
        await accounts.EnableMfaAsync(AdminId, Totp.Code(setup.SharedKey, DateTimeOffset.UtcNow), default);
        var page = Render<ProfilePage>();
        page.WaitForAssertion(() => page.Find("[data-testid=mfa-disable]"));

        await page.Find("[data-testid=mfa-disable]").ClickAsync(new());
        page.Find("input[data-testid=reauth-password]").Change("not-my-password");
        await page.Find("[data-testid=mfa-disable]").ClickAsync(new());

        (await Get<IUserDirectory>().FindAsync(AdminId, default))!.MfaEnabled.ShouldBeTrue();
        string.Join("|", Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars.Select(s => s.Message)).ShouldContain("current password");

        page.Find("input[data-testid=reauth-password]").Change("Admin-Passw0rd-Bunit");
        await page.Find("[data-testid=mfa-disable]").ClickAsync(new());

        page.WaitForAssertion(() => page.Find("[data-testid=mfa-begin]"));
        (await Get<IUserDirectory>().FindAsync(AdminId, default))!.MfaEnabled.ShouldBeFalse();
    }
}
