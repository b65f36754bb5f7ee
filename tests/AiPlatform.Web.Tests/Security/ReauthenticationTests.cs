using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.E2E.Tests;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Security;

/// <summary>
/// Turning MFA off and replacing recovery codes need the current password or an authenticator code: a stolen session
/// or token alone cannot weaken the account.
/// </summary>
public sealed class ReauthenticationTests : ApiTestBase
{
    private async Task<(Guid Id, string Key, HttpClient Token)> UserWithMfaAsync(string userName)
    {
        await CreateUserAsync(userName, SystemRoles.Viewer);
        var token = Factory.CreateClient().WithBearer(await Factory.CreateClientAs(userName, "Passw0rd-" + userName).MintTokenAsync());
        using var scope = Factory.Services.CreateScope();
        var id = (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindByNameAsync(userName, default))!.Id;
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
        var setup = await accounts.BeginMfaSetupAsync(id, default);
        await accounts.EnableMfaAsync(id, Totp.Code(setup.SharedKey, DateTimeOffset.UtcNow), default);
        return (id, setup.SharedKey, token);
    }

    private async Task<bool> MfaEnabledAsync(Guid id)
    {
        using var scope = Factory.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindAsync(id, default))!.MfaEnabled;
    }

    [Fact]
    public async Task Mfa_is_turned_off_only_with_the_right_password_or_code()
    {
        var (id, key, token) = await UserWithMfaAsync("careful");

        await (await token.PostAsJsonAsync("/api/v1/me/mfa/disable", new { })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        await (await token.PostAsJsonAsync("/api/v1/me/mfa/disable", new { password = "guess" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        await (await token.PostAsJsonAsync("/api/v1/me/mfa/disable", new { code = "000000" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        (await MfaEnabledAsync(id)).ShouldBeTrue();

        (await token.PostAsJsonAsync("/api/v1/me/mfa/disable", new { password = "Passw0rd-careful" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await MfaEnabledAsync(id)).ShouldBeFalse();
        key.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Recovery_codes_are_replaced_only_with_the_right_password_or_code()
    {
        var (_, key, token) = await UserWithMfaAsync("codes");

        await (await token.PostAsJsonAsync("/api/v1/me/mfa/recovery-codes", new { password = "wrong" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        await (await token.PostAsJsonAsync("/api/v1/me/mfa/recovery-codes", new { code = "123456" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");

        var byCode = await token.PostAsJsonAsync("/api/v1/me/mfa/recovery-codes", new { code = Totp.Code(key, DateTimeOffset.UtcNow) });
        byCode.StatusCode.ShouldBe(HttpStatusCode.OK, await byCode.Content.ReadAsStringAsync());
        (await byCode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("codes").GetArrayLength().ShouldBe(10);
        (await token.PostAsJsonAsync("/api/v1/me/mfa/recovery-codes", new { password = "Passw0rd-codes" })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Guessing_authenticator_codes_locks_the_account_so_that_even_the_right_code_is_refused_afterwards()
    {
        var (id, key, token) = await UserWithMfaAsync("guessed");
        var right = Totp.Code(key, DateTimeOffset.UtcNow);
        var wrong = ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 500_000) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        for (var i = 0; i < 5; i++)
        {
            await (await token.PostAsJsonAsync("/api/v1/me/mfa/recovery-codes", new { code = wrong })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        }

        var locked = await token.PostAsJsonAsync("/api/v1/me/mfa/disable", new { code = Totp.Code(key, DateTimeOffset.UtcNow) });
        await locked.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        (await locked.Content.ReadAsStringAsync()).ShouldContain("locked");
        (await token.PostAsJsonAsync("/api/v1/me/mfa/disable", new { password = "Passw0rd-guessed" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await MfaEnabledAsync(id)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_new_authenticator_key_cannot_replace_the_enrolled_one_while_mfa_is_on()
    {
        var (id, _, _) = await UserWithMfaAsync("enrolled");
        using var scope = Factory.Services.CreateScope();

        await Should.ThrowAsync<AiPlatform.Core.Common.ConflictException>(() => scope.ServiceProvider.GetRequiredService<IAccountService>().BeginMfaSetupAsync(id, default));
    }
}
