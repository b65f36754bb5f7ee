using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Training;

/// <summary>
/// Custom runs clone training code over https only (plain http, file:// and local paths where an operator allowed them):
/// every other way git can be pointed somewhere — ssh, the git protocol, scp-like addresses, transport helpers,
/// credentials, URLs git reads differently from .NET — is refused at submit with a 400 before anything is queued.
/// </summary>
public sealed class GitUrlSecurityTests(GitUrlSecurityTests.Platform platform) : IClassFixture<GitUrlSecurityTests.Platform>
{
    private const string Refused = "urn:aiplatform:problem:git-url-not-allowed";

    private readonly HttpClient _admin = platform.Admin;

    [Theory]
    [InlineData("ssh://git@example.org/group/repo.git")]
    [InlineData("ssh://example.org/group/repo.git")]
    [InlineData("git://example.org/group/repo.git")]
    [InlineData("git+ssh://example.org/group/repo.git")]
    [InlineData("git@example.org:group/repo.git")]
    [InlineData("example.org:group/repo.git")]
    [InlineData("ext::sh")]
    [InlineData("ext::sh%20-c%20id")]
    [InlineData("fd::3")]
    [InlineData("file:///var/lib/aiplatform")]
    [InlineData("file://localhost/var/lib/aiplatform")]
    [InlineData("/var/lib/aiplatform")]
    [InlineData("./repo")]
    [InlineData("../../var/lib/aiplatform")]
    [InlineData("http://example.org/group/repo.git")]
    [InlineData("https://user:secret@example.org/group/repo.git")]
    [InlineData("https://user@example.org/group/repo.git")]
    [InlineData("https://example.org\\@127.0.0.1/group/repo.git")]
    [InlineData("https://example.org /group/repo.git")]
    [InlineData("https:example.org/group/repo.git")]
    [InlineData("ftp://example.org/group/repo.git")]
    [InlineData("")]
    public async Task A_custom_run_from_a_git_url_that_is_not_https_is_refused_at_submit(string url)
    {
        var response = await SubmitAsync(url);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        using var problem = JsonDocument.Parse(body);
        problem.RootElement.GetProperty("type").GetString().ShouldBe(Refused, body);
        problem.RootElement.GetProperty("errors").GetProperty("gitUrl")[0].GetString()!.ShouldContain("Allowed here: https://.");
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/v1/training-runs?experimentId={platform.Experiment}", JsonDefaults.Options)).GetProperty("items").EnumerateArray()
            .ShouldNotContain(r => r.GetProperty("name").GetString() == url, "nothing is queued");
    }

    [Fact]
    public async Task An_https_url_is_accepted_at_submit()
    {
        var response = await SubmitAsync("https://git.example.org/group/repo.git");

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("--recurse-submodules")]
    [InlineData("-b")]
    [InlineData("--upload-pack=touch /tmp/pwned")]
    [InlineData("main;id")]
    [InlineData("$(id)")]
    [InlineData("../../etc")]
    [InlineData("/main")]
    [InlineData("main.lock")]
    public async Task A_git_ref_that_git_could_read_as_an_option_or_a_shell_could_expand_is_refused_at_submit(string gitRef)
    {
        var response = await SubmitAsync("https://git.example.org/group/repo.git", gitRef);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        using var problem = JsonDocument.Parse(body);
        problem.RootElement.GetProperty("type").GetString().ShouldBe(Refused, body);
        problem.RootElement.GetProperty("errors").GetProperty("gitRef")[0].GetString()!.ShouldContain("not starting with -");
    }

    [Theory]
    [InlineData("main")]
    [InlineData("release/2.1")]
    [InlineData("v1.0.3")]
    [InlineData("4f1c9e2a7b")]
    public async Task Branches_tags_and_commits_are_accepted_as_git_refs(string gitRef)
    {
        var response = await SubmitAsync("https://git.example.org/group/repo.git", gitRef);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SubmitAsync(string url, string? gitRef = null) =>
        await _admin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = platform.Experiment, name = url.Length == 0 ? "empty" : url, kind = "Custom", custom = new { command = "python3 train.py", gitUrl = url, gitRef } }, JsonDefaults.Options);

    /// <summary>One platform with the shipped outbound policy (no local Git URLs, no plain http) for every case.</summary>
    public sealed class Platform : IAsyncLifetime
    {
        private readonly DefaultOutboundWebFactory _factory = new();

        public HttpClient Admin { get; private set; } = default!;

        public Guid Experiment { get; private set; }

        public async Task InitializeAsync()
        {
            Admin = _factory.CreateAdminClient();
            var project = await CreateAsync("/api/v1/projects", new { name = "git-urls" });
            Experiment = await CreateAsync("/api/v1/experiments", new { projectId = project, name = "git-urls" });
        }

        public async Task DisposeAsync()
        {
            await _factory.DisposeAsync();
            _factory.DeleteData();
        }

        private async Task<Guid> CreateAsync(string url, object body)
        {
            var response = await Admin.PostAsJsonAsync(url, body, JsonDefaults.Options);
            var text = await response.Content.ReadAsStringAsync();
            response.IsSuccessStatusCode.ShouldBeTrue(text);
            return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        }
    }
}
