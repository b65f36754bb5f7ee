using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Knowledge;

/// <summary><c>POST /api/v1/knowledge-bases/{id}/search</c>: the hits and why they are in that order, the vector weight override and its errors.</summary>
public sealed class KnowledgeSearchApiTests : ApiTestBase
{
    [Fact]
    public async Task Search_answers_the_hits_and_the_ranking_and_a_chinese_question_with_minilm_is_keyword_led()
    {
        var kb = await JsonAsync(Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "mixed-" + Guid.NewGuid().ToString("N")[..6] }), HttpStatusCode.Created);
        var id = kb.GetProperty("id").GetGuid();
        foreach (var (name, text) in new[]
        {
            ("handbook.md", "# 员工手册\n\n## 差旅住宿\n出差期间的酒店住宿按城市等级报销：北京每晚不超过六百元。\n\n## 加班\n工作日加班需提前在审批系统中提交加班申请。\n"),
            ("it.md", "# IT guide\n\n## VPN access\nConnect to the VPN with the company authenticator app before you open internal websites from home.\n"),
        })
        {
            var document = (await JsonAsync(Admin.PostAsync($"/api/v1/knowledge-bases/{id}/documents?fileName={name}", Raw(text)), HttpStatusCode.Accepted))[0];
            await Admin.WaitForJobAsync(document.GetProperty("jobId").GetGuid(), j => j.Status is Core.Jobs.JobStatus.Succeeded or Core.Jobs.JobStatus.Failed, 120);
        }

        var chinese = await JsonAsync(Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "出差住酒店一晚能报销多少？", topK = 3, threshold = 0.9 }), HttpStatusCode.OK);
        var ranking = chinese.GetProperty("ranking");
        ranking.GetProperty("strategy").GetString().ShouldBe("KeywordLed");
        ranking.GetProperty("mode").GetString().ShouldBe("Hybrid");
        ranking.GetProperty("questionLanguage").GetString().ShouldBe("zh");
        ranking.GetProperty("embedder").GetProperty("languages").EnumerateArray().Select(l => l.GetString()).ShouldBe(["en"]);
        ranking.GetProperty("embedder").GetProperty("source").GetString().ShouldBe("BuiltIn");
        ranking.GetProperty("vectorWeight").GetDouble().ShouldBe(Core.Knowledge.HybridFusion.DefaultVectorWeight, "the knowledge base sets none");
        ranking.GetProperty("reasonKey").GetString().ShouldBe("Kb.Rank.Reason.KeywordLed");
        ranking.GetProperty("reasonArguments")[0].GetString().ShouldBe("zh");
        var top = chinese.GetProperty("hits")[0];
        top.GetProperty("heading").GetString().ShouldBe("员工手册 > 差旅住宿", "a keyword hit is not dropped by a cosine the model cannot mean (threshold 0.9)");
        top.GetProperty("language").GetString().ShouldBe("zh");
        top.GetProperty("vectorUsed").GetBoolean().ShouldBeFalse();
        ranking.GetProperty("unservedHits").GetInt32().ShouldBe(chinese.GetProperty("hits").GetArrayLength());

        var english = await JsonAsync(Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "How do I open internal websites from home?", topK = 5, threshold = 0, vectorWeight = 0.3 }), HttpStatusCode.OK);
        english.GetProperty("ranking").GetProperty("strategy").GetString().ShouldBe("Fused");
        english.GetProperty("ranking").GetProperty("vectorWeight").GetDouble().ShouldBe(0.3);
        english.GetProperty("hits")[0].GetProperty("heading").GetString().ShouldBe("IT guide > VPN access");
        english.GetProperty("hits")[0].GetProperty("vectorUsed").GetBoolean().ShouldBeTrue();

        var vector = await JsonAsync(Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "加班怎么申请？", mode = "Vector", threshold = 0 }), HttpStatusCode.OK);
        vector.GetProperty("ranking").GetProperty("strategy").GetString().ShouldBe("VectorOnly");
        vector.GetProperty("ranking").GetProperty("reasonKey").GetString().ShouldBe("Kb.Rank.Reason.VectorUnserved");
        vector.GetProperty("ranking").GetProperty("reason").GetString()!.ShouldContain("does not serve");

        foreach (var weight in new[] { 2.0, -0.1 })
        {
            var bad = await Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "VPN", vectorWeight = weight });
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            bad.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("vectorWeight", out _).ShouldBeTrue();
        }
    }

    private static ByteArrayContent Raw(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static async Task<JsonElement> JsonAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
