using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Shell;

/// <summary>The caller's preferences over REST, the offline API reference page, and where toasts appear.</summary>
public sealed partial class ShellApiTests : ApiTestBase
{
    [Fact]
    public async Task Preferences_are_read_and_changed_by_the_signed_in_user_only()
    {
        var initial = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/me/preferences");
        initial.GetProperty("darkMode").ValueKind.ShouldBe(JsonValueKind.Null);
        initial.GetProperty("checklistDismissed").GetBoolean().ShouldBeFalse();

        var put = await Admin.PutAsJsonAsync("/api/v1/me/preferences", new { darkMode = true, culture = "zh-CN" });

        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        put.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith(".AspNetCore.Culture=c%3Dzh-CN", StringComparison.Ordinal));
        var saved = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/me/preferences");
        saved.GetProperty("darkMode").GetBoolean().ShouldBeTrue();
        saved.GetProperty("culture").GetString().ShouldBe("zh-CN");

        (await Admin.PutAsJsonAsync("/api/v1/me/preferences", new { checklistDismissed = true })).EnsureSuccessStatusCode();
        var kept = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/me/preferences");
        (kept.GetProperty("darkMode").GetBoolean(), kept.GetProperty("checklistDismissed").GetBoolean()).ShouldBe((true, true));

        var invalid = await Admin.PutAsJsonAsync("/api/v1/me/preferences", new { culture = "xx-YY" });
        invalid.StatusCode.ShouldBeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.UnprocessableEntity);
        (await invalid.Content.ReadAsStringAsync()).ShouldContain("urn:aiplatform:problem:");

        var anonymous = Factory.CreateClient();
        (await anonymous.GetAsync("/api/v1/me/preferences")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PutAsJsonAsync("/api/v1/me/preferences", new { darkMode = false })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_api_reference_page_names_no_outside_host_and_hides_the_vendor_buttons()
    {
        var response = await Admin.GetAsync("/api/docs/");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();

        OutsideUrl().Matches(html).Select(m => m.Value).ShouldBeEmpty();
        Squeezed(html).ShouldContain("\"hideClientButton\":true");
        Squeezed(html).ShouldContain("\"withDefaultFonts\":false");
        Squeezed(html).ShouldContain("\"agent\":{\"disabled\":true");
        Squeezed(html).ShouldContain("\"mcp\":{\"disabled\":true");
        Squeezed(html).ShouldContain("\"telemetry\":false");
        Squeezed(html).ShouldContain("\"showDeveloperTools\":\"never\"");
        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        csp.ShouldNotContain("http");
        csp.ShouldContain("font-src 'self'");

        var script = Regex.Match(html, "<script[^>]+src=\"([^\"]+)\"").Groups[1].Value;
        script.ShouldNotContain("//");
        (await Admin.GetAsync(new Uri(new Uri("http://localhost/api/docs/"), script))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void Toasts_appear_at_the_bottom_away_from_the_page_actions_at_the_top_right()
    {
        using var scope = Factory.Services.CreateScope();
        var snackbar = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SnackbarConfiguration>>().Value;

        snackbar.PositionClass.ShouldBe(Defaults.Classes.Position.BottomCenter);
    }

    private static string Squeezed(string html) => Regex.Replace(html, "\\s+", string.Empty);

    // Anything that would make the browser reach past the platform (a CDN, fonts, Scalar's services); XML namespaces excluded.
    [GeneratedRegex("(?:https?:)?//(?!localhost|www\\.w3\\.org)[a-z0-9-]+\\.[a-z0-9.-]+", RegexOptions.IgnoreCase)]
    private static partial Regex OutsideUrl();
}
