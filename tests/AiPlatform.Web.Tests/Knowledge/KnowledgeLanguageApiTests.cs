using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Knowledge;

/// <summary>
/// Languages over HTTP: a provider model's embedding languages (admin), a knowledge base's language statistics with the
/// warning and suggested models, the vector weight, and who may see what.
/// </summary>
public sealed class KnowledgeLanguageApiTests(LlmPeer llm) : ApiTestBase, IClassFixture<LlmPeer>
{
    /// <summary>A short Chinese handbook: most of its text is Chinese, which the built-in MiniLM does not serve.</summary>
    public const string ChineseHandbook = """
        # 员工手册

        ## 病假
        生病无法上班时，请在上班前通知直属主管，并在系统中提交病假申请。连续请假超过两天需要附上医生证明。

        ## 差旅住宿
        出差期间的酒店费用按城市分级报销：北京、上海每晚不超过六百元，其他城市每晚不超过四百元。

        ## 机房温度
        机房温度应保持在十八到二十七摄氏度之间，湿度保持在百分之四十到六十之间，超出范围时值班人员需立即处理。
        """;

    [Fact]
    public async Task An_admin_records_a_models_embedding_languages_and_listings_show_them_with_their_source()
    {
        var modelId = await LlmModelAsync();

        var bad = await Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, embeddingLanguages = "en,xx" });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").GetProperty("embeddingLanguages")[0].GetString()!.ShouldContain("'xx'");

        var set = await Json(Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, contextTokens = 512, embeddingLanguages = "zh, EN" }));
        set.GetProperty("embeddingLanguages").GetString().ShouldBe("en,zh");
        set.GetProperty("effectiveEmbeddingLanguages").GetProperty("source").GetString().ShouldBe("Configured");
        Codes(set.GetProperty("effectiveEmbeddingLanguages")).ShouldBe(["en", "zh"]);

        // A client that knows nothing of embedding languages keeps them when it changes the rest.
        var old = await Json(Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = false, contextTokens = 1024 }));
        old.GetProperty("embeddingLanguages").GetString().ShouldBe("en,zh");
        old.GetProperty("openToAll").GetBoolean().ShouldBeFalse();

        var listed = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/llm/providers")).RootElement[0].GetProperty("models")[0];
        listed.GetProperty("embeddingLanguages").GetString().ShouldBe("en,zh");
        listed.GetProperty("effectiveEmbeddingLanguages").GetProperty("source").GetString().ShouldBe("Configured");
        var usable = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/llm/models")).RootElement[0];
        Codes(usable.GetProperty("effectiveEmbeddingLanguages")).ShouldBe(["en", "zh"]);

        // An empty string clears them: tiny-llama is no known family, so its languages are unknown (assumed all).
        var cleared = await Json(Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, embeddingLanguages = "" }));
        cleared.GetProperty("embeddingLanguages").ValueKind.ShouldBe(JsonValueKind.Null);
        cleared.GetProperty("effectiveEmbeddingLanguages").GetProperty("source").GetString().ShouldBe("Unknown");
        Codes(cleared.GetProperty("effectiveEmbeddingLanguages")).ShouldBe(["*"]);

        var analyst = await CreateUserAsync("analyst", SystemRoles.DataAnalyst);
        (await analyst.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, embeddingLanguages = "*" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Admin.PutAsJsonAsync($"/api/v1/llm/models/{Guid.NewGuid()}", new { enabled = true, openToAll = true, embeddingLanguages = "*" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var audit = await Admin.GetStringAsync("/api/v1/audit?action=llm.model.update");
        audit.ShouldContain("embeddingLanguages");
    }

    [Fact]
    public async Task A_chinese_knowledge_base_on_minilm_warns_suggests_a_model_that_serves_chinese_and_readers_see_it_too()
    {
        var kb = await Json(Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "手册", vectorWeight = 0.3 }));
        var id = kb.GetProperty("id").GetGuid();
        kb.GetProperty("vectorWeight").GetDouble().ShouldBe(0.3);
        kb.GetProperty("effectiveVectorWeight").GetDouble().ShouldBe(0.3);
        var badWeight = await Admin.PutAsJsonAsync($"/api/v1/knowledge-bases/{id}", new { name = "手册", vectorWeight = 2 });
        badWeight.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await badWeight.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("vectorWeight", out _).ShouldBeTrue();
        var defaulted = await Json(Admin.PutAsJsonAsync($"/api/v1/knowledge-bases/{id}", new { name = "手册" }));
        defaulted.GetProperty("vectorWeight").ValueKind.ShouldBe(JsonValueKind.Null);
        defaulted.GetProperty("effectiveVectorWeight").GetDouble().ShouldBe(Core.Knowledge.HybridFusion.DefaultVectorWeight);

        var document = (await Json(Admin.PostAsync($"/api/v1/knowledge-bases/{id}/documents?fileName=handbook.md", new ByteArrayContent(Encoding.UTF8.GetBytes(ChineseHandbook)))))[0];
        await Admin.WaitForJobAsync(document.GetProperty("jobId").GetGuid(), j => j.Status is Core.Jobs.JobStatus.Succeeded or Core.Jobs.JobStatus.Failed, 120);

        // Before any model is known to serve Chinese, there is nothing to suggest (tiny-llama's languages are unknown).
        var modelId = await LlmModelAsync();
        var report = await Json(Admin.GetAsync($"/api/v1/knowledge-bases/{id}/languages"));
        report.GetProperty("languages")[0].GetProperty("language").GetString().ShouldBe("zh");
        report.GetProperty("languages")[0].GetProperty("share").GetDouble().ShouldBeGreaterThan(0.8);
        report.GetProperty("embedder").GetProperty("source").GetString().ShouldBe("BuiltIn");
        report.GetProperty("dominantUnserved").GetString().ShouldBe("zh");
        report.GetProperty("warning").GetBoolean().ShouldBeTrue();
        report.GetProperty("suggestions").GetArrayLength().ShouldBe(0);

        await Json(Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, embeddingLanguages = "*" }));
        var suggested = (await Json(Admin.GetAsync($"/api/v1/knowledge-bases/{id}/languages"))).GetProperty("suggestions");
        suggested.EnumerateArray().Select(s => s.GetProperty("model").GetString()).ShouldBe([LlmPeer.Model]);

        // Readers see the report; the suggestions are the models they may use.
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        var stranger = await CreateUserAsync("stranger", SystemRoles.AppBuilder);
        var readerId = JsonDocument.Parse(await reader.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await stranger.GetAsync($"/api/v1/knowledge-bases/{id}/languages")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await reader.GetAsync($"/api/v1/knowledge-bases/{id}/languages")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/grants", new { principalType = "User", principalId = readerId, level = "Read" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var seen = await Json(reader.GetAsync($"/api/v1/knowledge-bases/{id}/languages"));
        seen.GetProperty("warning").GetBoolean().ShouldBeTrue();
        seen.GetProperty("suggestions").GetArrayLength().ShouldBe(0, "a viewer may not chat, so no provider model is theirs to embed with");
        (await reader.PutAsJsonAsync($"/api/v1/knowledge-bases/{id}", new { name = "手册", embeddingModel = LlmPeer.Model })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Factory.CreateClient().GetAsync($"/api/v1/knowledge-bases/{id}/languages")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Admin.GetAsync($"/api/v1/knowledge-bases/{Guid.NewGuid()}/languages")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Switching to the suggested model re-indexes; the model serves every language, so the warning is gone.
        var switched = await Json(Admin.PutAsJsonAsync($"/api/v1/knowledge-bases/{id}", new { name = "手册", embeddingModel = LlmPeer.Model }));
        switched.GetProperty("embeddingModel").GetString().ShouldBe(LlmPeer.Model);
        var queued = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/knowledge-bases/{id}/documents")).RootElement[0];
        await Admin.WaitForJobAsync(queued.GetProperty("jobId").GetGuid(), j => j.Status is Core.Jobs.JobStatus.Succeeded or Core.Jobs.JobStatus.Failed, 120);
        var after = await Json(Admin.GetAsync($"/api/v1/knowledge-bases/{id}/languages"));
        after.GetProperty("embedder").GetProperty("source").GetString().ShouldBe("Configured");
        after.GetProperty("warning").GetBoolean().ShouldBeFalse();
        after.GetProperty("unservedShare").GetDouble().ShouldBe(0);
    }

    private async Task<Guid> LlmModelAsync()
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
        var models = await Json(Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null));
        var model = models.EnumerateArray().Single(m => m.GetProperty("modelId").GetString() == LlmPeer.Model);
        model.GetProperty("effectiveEmbeddingLanguages").GetProperty("source").GetString().ShouldBe("Unknown");
        return model.GetProperty("id").GetGuid();
    }

    private static string[] Codes(JsonElement info) => [.. info.GetProperty("languages").EnumerateArray().Select(l => l.GetString()!)];

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
