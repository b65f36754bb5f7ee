using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Data;

public sealed class DatasetApiTests : IAsyncLifetime
{
    private readonly SmallUploadFactory _factory = new();
    private HttpClient _admin = default!;

    public Task InitializeAsync()
    {
        _admin = _factory.CreateAdminClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
    }

    [Fact]
    public async Task A_file_streamed_as_the_request_body_becomes_a_version_once()
    {
        var dataset = await CreateAsync("iris");
        var csv = "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n";

        var first = await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=iris.csv&message=initial", Body(csv));
        var again = await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=iris-copy.csv", Body(csv));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var version = (await first.Content.ReadFromJsonAsync<DatasetVersion>(JsonDefaults.Options))!;
        version.RowCount.ShouldBe(3);
        version.Message.ShouldBe("initial");
        (await again.Content.ReadFromJsonAsync<DatasetVersion>(JsonDefaults.Options))!.Id.ShouldBe(version.Id);
        var rows = await _admin.GetFromJsonAsync<DatasetRows>($"/api/v1/datasets/{dataset.Id}/versions/{version.Id}/rows?sort=sepal&desc=true&limit=2", JsonDefaults.Options);
        rows!.TotalRows.ShouldBe(3);
        rows.Rows.Select(r => r[2]).ShouldBe(["versicolor", "virginica"]);
        (await _admin.GetFromJsonAsync<DatasetView>($"/api/v1/datasets/{dataset.Id}", JsonDefaults.Options))!.VersionCount.ShouldBe(1);

        DatasetProfile? profile = null;
        await Eventually.UntilAsync(async () =>
            (profile = (await _admin.GetFromJsonAsync<ProfileResponse>($"/api/v1/datasets/{dataset.Id}/versions/{version.Id}/profile", JsonDefaults.Options))!.Profile) is not null,
            "the uploaded version's profile");
        profile.ShouldNotBeNull();
        profile.Columns.Single(c => c.Name == "species").TopValues.Count.ShouldBe(3);
        var reprofile = await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions/{version.Id}/profile", null);
        reprofile.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        reprofile.Headers.Location!.ToString().ShouldStartWith("/api/v1/jobs/");
    }

    [Fact]
    public async Task Versions_can_be_compared_through_the_api()
    {
        var dataset = await CreateAsync("diffed");
        var v1 = (await (await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=a.csv", Body("k,v\n1,a\n2,b\n"))).Content.ReadFromJsonAsync<DatasetVersion>(JsonDefaults.Options))!;
        var v2 = (await (await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=b.csv", Body("k,v\n1,a\n2,c\n3,d\n"))).Content.ReadFromJsonAsync<DatasetVersion>(JsonDefaults.Options))!;

        var diff = await _admin.GetFromJsonAsync<DatasetDiff>($"/api/v1/datasets/{dataset.Id}/diff?from={v1.Id}&to={v2.Id}&key=k", JsonDefaults.Options);

        diff!.FromNumber.ShouldBe(1);
        diff.ToNumber.ShouldBe(2);
        (diff.AddedRows, diff.RemovedRows, diff.ChangedRows).ShouldBe((3 - 2, 0, 1));
        (await _admin.GetAsync($"/api/v1/datasets/{dataset.Id}/diff?from={v1.Id}&to={v2.Id}&key=nope")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_sql_console_answers_queries_exports_csv_and_refuses_file_access()
    {
        var dataset = await CreateAsync("cities");
        (await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=c.csv", Body("name,pop\nLyon,500\nNice,340\n"))).EnsureSuccessStatusCode();

        var result = await _admin.PostAsJsonAsync("/api/v1/sql", new { sql = "SELECT name FROM \"cities\" ORDER BY pop DESC" });
        var csv = await _admin.PostAsJsonAsync("/api/v1/sql/export.csv", new { sql = "SELECT name, pop FROM \"cities\" ORDER BY name" });
        var blocked = await _admin.PostAsJsonAsync("/api/v1/sql", new { sql = "SELECT * FROM read_csv('/etc/passwd')" });
        var saved = await _admin.PostAsJsonAsync($"/api/v1/datasets/{dataset.Id}/versions/from-query", new { sql = "SELECT * FROM \"cities\" WHERE pop > 400", message = "big" });

        (await result.Content.ReadFromJsonAsync<SqlResult>(JsonDefaults.Options))!.Rows.Select(r => r[0]).ShouldBe(["Lyon", "Nice"]);
        (await csv.Content.ReadAsStringAsync()).ShouldContain("name,pop\r\nLyon,500\r\nNice,340".Replace("\r\n", Environment.NewLine));
        blocked.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await blocked.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:sql-not-read-only");
        problem.GetProperty("errors").GetProperty("sql")[0].GetString()!.ShouldContain("read_csv is not available");
        saved.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await saved.Content.ReadFromJsonAsync<DatasetVersion>(JsonDefaults.Options))!.Source.ShouldBe("query");
    }

    [Fact]
    public async Task Bad_files_get_problem_details_and_make_no_version()
    {
        var dataset = await CreateAsync("bad");

        var ragged = await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=x.csv", Body("a,b\n1,2\n3,4,5\n"));
        var unknown = await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=x.xlsx", Body("a,b\n1,2\n"));
        var tooLarge = await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=big.csv", Body("a\n" + new string('1', 5000) + "\n"));

        (await ProblemAsync(ragged)).GetProperty("errors").GetProperty("file")[0].GetString()!.ShouldContain("Line 3");
        (await ProblemAsync(unknown)).GetProperty("errors").GetProperty("fileName")[0].GetString()!.ShouldContain(".csv");
        (await ProblemAsync(tooLarge)).GetProperty("errors").GetProperty("file")[0].GetString()!.ShouldContain("limit");
        (await _admin.GetFromJsonAsync<List<DatasetVersion>>($"/api/v1/datasets/{dataset.Id}/versions", JsonDefaults.Options)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Another_user_cannot_see_read_or_write_a_private_dataset()
    {
        var dataset = await CreateAsync("private");
        (await _admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=a.csv", Body("a\n1\n"))).EnsureSuccessStatusCode();
        (await _admin.PostAsJsonAsync("/api/v1/users", new { userName = "eve", password = "Passw0rd-eve", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.DataEngineer) } })).EnsureSuccessStatusCode();
        var eve = _factory.CreateClientAs("eve", "Passw0rd-eve");

        (await eve.GetFromJsonAsync<Paged<DatasetView>>("/api/v1/datasets", JsonDefaults.Options))!.Items.ShouldBeEmpty();
        (await eve.GetAsync($"/api/v1/datasets/{dataset.Id}/versions")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await eve.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=a.csv", Body("a\n2\n"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await eve.DeleteAsync($"/api/v1/datasets/{dataset.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<DatasetView> CreateAsync(string name)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/datasets", new { name, tags = new[] { "test" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;
    }

    private static StreamContent Body(string text) => new(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:validation");
        return problem;
    }

    private sealed class SmallUploadFactory : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Data:MaxUploadBytes", "4096");
    }
}
