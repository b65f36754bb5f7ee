using System.Net;
using System.Text.RegularExpressions;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AiPlatform.Web.Tests.Security;

/// <summary>Every response carries the browser hardening headers; pages get a CSP without inline script except their nonce'd import map.</summary>
public sealed class SecurityHeadersTests : ApiTestBase
{
    [Fact]
    public async Task Pages_api_errors_and_static_files_carry_the_hardening_headers()
    {
        var anonymous = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        foreach (var response in new[]
        {
            await anonymous.GetAsync("/account/login"),
            await anonymous.GetAsync("/api/v1/jobs"),
            await anonymous.GetAsync("/projects"),
            await Admin.GetAsync("/api/v1/me"),
            await anonymous.GetAsync("/favicon.svg"),
        })
        {
            var what = $"{response.RequestMessage!.RequestUri} ({(int)response.StatusCode})";
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            csp.ShouldContain("frame-ancestors 'none'", customMessage: what);
            csp.ShouldContain("default-src 'self'", customMessage: what);
            csp.ShouldContain("object-src 'none'", customMessage: what);
            Regex.Match(csp, "script-src ([^;]*)").Groups[1].Value.ShouldNotContain("'unsafe-inline'", customMessage: what);
            response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff", what);
            response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("strict-origin-when-cross-origin", what);
            response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY", what);
        }
    }

    [Fact]
    public async Task The_page_shell_import_map_carries_the_nonce_of_its_policy_and_there_is_no_other_inline_script()
    {
        var response = await Factory.CreateClient().GetAsync("/account/login");
        var html = await response.Content.ReadAsStringAsync();
        var nonce = Regex.Match(response.Headers.GetValues("Content-Security-Policy").Single(), "'nonce-([^']+)'").Groups[1].Value;

        nonce.Length.ShouldBeGreaterThan(16);
        var inline = Regex.Matches(html, "<script(?![^>]*\\ssrc=)([^>]*)>").Select(m => m.Groups[1].Value).ToList();
        inline.ShouldNotBeEmpty("the import map is inline");
        inline.ShouldAllBe(attributes => attributes.Contains($"nonce=\"{nonce}\""));
        html.ShouldNotContain(" onclick=");
        (await Factory.CreateClient().GetAsync("/account/login")).Headers.GetValues("Content-Security-Policy").Single().ShouldNotContain(nonce, customMessage: "a nonce is used once");
    }

    [Fact]
    public async Task Api_and_protocol_responses_carry_a_policy_without_a_nonce_or_eval_and_the_api_reference_keeps_its_own()
    {
        foreach (var response in new[] { await Admin.GetAsync("/api/v1/me"), await Admin.GetAsync("/v2"), await Factory.CreateClient().GetAsync("/health/live") })
        {
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            var scripts = Regex.Match(csp, "script-src ([^;]*)").Groups[1].Value;
            scripts.ShouldBe("'self'", $"{response.RequestMessage!.RequestUri}: a JSON response runs no script, so it needs neither a nonce nor eval");
        }

        var page = (await Factory.CreateClient().GetAsync("/account/login")).Headers.GetValues("Content-Security-Policy").Single();
        page.ShouldContain("'nonce-");
        var reference = (await Admin.GetAsync("/api/docs")).Headers.GetValues("Content-Security-Policy").Single();
        reference.ShouldContain("'unsafe-inline'", customMessage: "Scalar boots from an inline script");
    }

    [Fact]
    public async Task Https_responses_outside_development_carry_hsts()
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://aiplatform.example.test"), AllowAutoRedirect = false });

        var response = await client.GetAsync("/account/login");

        response.Headers.GetValues("Strict-Transport-Security").Single().ShouldStartWith("max-age=31536000");
    }

    [Fact]
    public async Task The_api_reference_works_under_its_own_policy()
    {
        var cookie = await CookieSession.SignInAsync(Factory, "admin", PlatformWebFactory.AdminPassword);

        var response = await cookie.GetAsync("/api/docs/");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldContain("script-src 'self' 'unsafe-inline'");
    }
}
