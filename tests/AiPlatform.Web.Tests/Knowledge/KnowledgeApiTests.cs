using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Infrastructure.Tests.Knowledge;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Knowledge;

/// <summary>Knowledge bases over HTTP: create, upload (multipart and raw), ingestion jobs, search, chunks, sharing, deletion, errors.</summary>
public sealed class KnowledgeApiTests : ApiTestBase
{
    [Fact]
    public async Task Documents_uploaded_over_http_are_ingested_by_jobs_and_searchable_and_bad_ones_fail_with_their_reason()
    {
        var bad = await Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "docs", chunkSize = 10 });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("errors").TryGetProperty("chunkSize", out _).ShouldBeTrue();

        var kb = await JsonAsync(Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "docs", description = "Team handbook", chunkSize = 600, chunkOverlap = 60 }), HttpStatusCode.Created);
        var id = kb.GetProperty("id").GetGuid();
        kb.GetProperty("embeddingModel").GetString().ShouldBe("local:all-MiniLM-L6-v2");
        (await Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "docs" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(File.ReadAllBytes(KnowledgeDocuments.CorpusFile("handbook.md"))), "file", "handbook.md" },
            { new ByteArrayContent(KnowledgeDocuments.EncryptedPdf()), "file", "locked.pdf" },
        };
        var uploaded = await JsonAsync(Admin.PostAsync($"/api/v1/knowledge-bases/{id}/documents", form), HttpStatusCode.Accepted);
        uploaded.GetArrayLength().ShouldBe(2);
        var raw = new ByteArrayContent(KnowledgeDocuments.Docx(("Parking", "Visitors park on level -2 of the garage.")));
        raw.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var docx = (await JsonAsync(Admin.PostAsync($"/api/v1/knowledge-bases/{id}/documents?fileName=building.docx", raw), HttpStatusCode.Accepted))[0];
        foreach (var job in uploaded.EnumerateArray().Append(docx).Select(d => d.GetProperty("jobId").GetGuid()))
        {
            await Admin.WaitForJobAsync(job, j => j.Status is Core.Jobs.JobStatus.Succeeded or Core.Jobs.JobStatus.Failed, 120);
        }

        var documents = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/knowledge-bases/{id}/documents")).RootElement.EnumerateArray().ToDictionary(d => d.GetProperty("fileName").GetString()!);
        documents["handbook.md"].GetProperty("status").GetString().ShouldBe("Ready");
        documents["building.docx"].GetProperty("status").GetString().ShouldBe("Ready");
        documents["locked.pdf"].GetProperty("status").GetString().ShouldBe("Failed");
        documents["locked.pdf"].GetProperty("error").GetString()!.ShouldContain("password-protected");

        var result = await JsonAsync(Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "Where do visitors park?", topK = 3 }), HttpStatusCode.OK);
        var top = result.GetProperty("hits")[0];
        top.GetProperty("documentName").GetString().ShouldBe("building.docx");
        top.GetProperty("heading").GetString().ShouldBe("Parking");
        top.GetProperty("similarity").GetDouble().ShouldBeGreaterThan(0.3);
        (await Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "x", threshold = 2 })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var handbook = documents["handbook.md"].GetProperty("id").GetGuid();
        var details = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/knowledge-bases/{id}/documents/{handbook}")).RootElement;
        details.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("heading").GetString()).ShouldContain("Employee handbook > Vacation");
        details.GetProperty("chunks")[0].TryGetProperty("embedding", out _).ShouldBeFalse("vectors stay inside");
        (await Admin.GetByteArrayAsync($"/api/v1/knowledge-bases/{id}/documents/{handbook}/content")).ShouldBe(File.ReadAllBytes(KnowledgeDocuments.CorpusFile("handbook.md")));

        var unsupported = await Admin.PostAsync($"/api/v1/knowledge-bases/{id}/documents?fileName=photo.png", new ByteArrayContent([1, 2, 3]));
        unsupported.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unsupported.Content.ReadAsStringAsync()).ShouldContain("not a supported document");

        (await Admin.DeleteAsync($"/api/v1/knowledge-bases/{id}/documents/{handbook}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var after = await JsonAsync(Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "How many vacation days?", topK = 5, mode = "Keyword" }), HttpStatusCode.OK);
        after.GetProperty("hits").EnumerateArray().ShouldAllBe(h => h.GetProperty("documentName").GetString() != "handbook.md");
        (await Admin.DeleteAsync($"/api/v1/knowledge-bases/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.GetAsync($"/api/v1/knowledge-bases/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_user_sees_a_knowledge_base_only_once_granted_and_read_cannot_change_it()
    {
        var kb = await JsonAsync(Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "secret" }), HttpStatusCode.Created);
        var id = kb.GetProperty("id").GetGuid();
        var builder = await CreateUserAsync("builder", SystemRoles.AppBuilder);
        var viewer = await CreateUserAsync("viewer", SystemRoles.Viewer);

        (await builder.GetAsync($"/api/v1/knowledge-bases/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        JsonDocument.Parse(await builder.GetStringAsync("/api/v1/knowledge-bases")).RootElement.GetArrayLength().ShouldBe(0);
        (await builder.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "anything" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await viewer.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var builderId = JsonDocument.Parse(await builder.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/grants", new { principalType = "User", principalId = builderId, level = "Read" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var seen = JsonDocument.Parse(await builder.GetStringAsync($"/api/v1/knowledge-bases/{id}")).RootElement;
        seen.GetProperty("level").GetString().ShouldBe("Read");
        (await builder.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "anything" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await builder.PostAsync($"/api/v1/knowledge-bases/{id}/documents?fileName=a.txt", new StringContent("hello"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await builder.DeleteAsync($"/api/v1/knowledge-bases/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await builder.PutAsJsonAsync($"/api/v1/knowledge-bases/{id}", new { name = "renamed" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private static async Task<JsonElement> JsonAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
