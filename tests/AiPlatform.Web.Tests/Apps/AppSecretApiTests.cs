using System.Net;
using System.Net.Http.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>An app's secrets over HTTP: Manage sets and deletes them, nobody reads a value back, not even in the audit log.</summary>
public sealed class AppSecretApiTests : ApiTestBase
{
    [Fact]
    public async Task Managers_set_change_and_delete_secrets_whose_values_never_come_back_and_writers_cannot_touch_them()
    {
        var app = await AppApi.CreateAsync(Admin, "ticketing");
        var set = await AppApi.JsonAsync(Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/TICKETS_TOKEN", new { value = "tok-s3cr3t-42", hosts = new[] { "Tickets.Example.org", ".corp.example" } }), HttpStatusCode.OK);
        set.GetProperty("name").GetString().ShouldBe("TICKETS_TOKEN");
        set.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()).ShouldBe(["tickets.example.org", ".corp.example"]);
        set.GetRawText().ShouldNotContain("tok-s3cr3t-42");

        // Only the hosts change when no value is given.
        await AppApi.JsonAsync(Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/TICKETS_TOKEN", new { hosts = new[] { "tickets.example.org" } }), HttpStatusCode.OK);
        var listed = await Admin.GetStringAsync($"/api/v1/apps/{app}/secrets");
        listed.ShouldContain("TICKETS_TOKEN");
        listed.ShouldNotContain("corp.example");
        listed.ShouldNotContain("tok-s3cr3t-42");
        (await Admin.GetStringAsync("/api/v1/audit?action=app.secret.set")).ShouldNotContain("tok-s3cr3t-42");

        // Bad names, hosts and values are refused with their keys; a new secret needs a value.
        await AppApi.ProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/1bad", new { value = "v", hosts = new[] { "a.example" } }), HttpStatusCode.BadRequest, null, "Apps.Secrets.Error.Name");
        await AppApi.ProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/OK", new { value = "v", hosts = new[] { "http://a.example/x" } }), HttpStatusCode.BadRequest, null, "Apps.Secrets.Error.Hosts");
        await AppApi.ProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/OK", new { value = "v", hosts = Array.Empty<string>() }), HttpStatusCode.BadRequest, null, "Apps.Secrets.Error.Hosts");
        await AppApi.ProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/OK", new { value = "line\nbreak", hosts = new[] { "a.example" } }), HttpStatusCode.BadRequest, null, "Apps.Secrets.Error.Value");
        await AppApi.ProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/NEW", new { hosts = new[] { "a.example" } }), HttpStatusCode.BadRequest, null, "Apps.Secrets.Error.Value");

        // A writer (not Manage) neither lists, sets nor deletes; a reader does not even see them.
        var writer = await CreateUserAsync("secret-writer", SystemRoles.AppBuilder);
        await AppApi.GrantAsync(Admin, writer, app, "Write");
        (await writer.GetAsync($"/api/v1/apps/{app}/secrets")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await writer.PutAsJsonAsync($"/api/v1/apps/{app}/secrets/TICKETS_TOKEN", new { value = "mine", hosts = new[] { "evil.example" } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await writer.DeleteAsync($"/api/v1/apps/{app}/secrets/TICKETS_TOKEN")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await Admin.DeleteAsync($"/api/v1/apps/{app}/secrets/TICKETS_TOKEN")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await AppApi.ProblemAsync(await Admin.DeleteAsync($"/api/v1/apps/{app}/secrets/TICKETS_TOKEN"), HttpStatusCode.NotFound, null, "Apps.Secrets.Error.NotFound");
        (await Admin.GetStringAsync($"/api/v1/apps/{app}/secrets")).ShouldBe("[]");
    }
}
