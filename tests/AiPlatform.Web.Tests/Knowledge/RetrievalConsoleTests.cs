using System.Globalization;
using System.Text;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Features.Knowledge;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Knowledge;

/// <summary>The retrieval console explains its ranking: keyword-led for a Chinese question with MiniLM, fused for an English one.</summary>
public sealed class RetrievalConsoleTests : PageTestBase
{
    private const string Handbook = "# 员工手册\n\n## 差旅住宿\n出差期间的酒店住宿按城市等级报销：北京每晚不超过六百元，其他城市每晚不超过四百元。\n\n## 加班\n工作日加班需提前在审批系统中提交加班申请，加班时长可以申请调休。在家加班时先连接公司 VPN。\n";

    private const string ItGuide = "# IT guide\n\n## VPN access\nConnect to the VPN with the company authenticator app before you open internal websites from home.\n";

    [Fact]
    public async Task A_chinese_question_with_minilm_is_keyword_led_and_the_banner_warns_in_the_users_language()
    {
        var kb = await KnowledgeBaseAsync();
        var state = new RetrievalConsole { Query = "出差住酒店一晚能报销多少钱？" };
        var panel = Render<RetrievalTestPanel>(p => p.Add(x => x.KnowledgeBaseId, kb.Id).Add(x => x.State, state));
        panel.WaitForAssertion(() => panel.Find("input[data-testid=retrieval-vector-weight]").GetAttribute("placeholder").ShouldBe(HybridFusion.DefaultVectorWeight.ToString("0.###", CultureInfo.InvariantCulture)));
        panel.Find("input[data-testid=retrieval-vector-weight]").HasAttribute("disabled").ShouldBeFalse();
        WeightHelp(panel).ShouldBe("0 to 1", "the field shows its range");

        await panel.InvokeAsync(() => panel.Find("[data-testid=retrieval-search]").ClickAsync(new()));
        panel.WaitForAssertion(() => panel.FindAll("[data-testid=retrieval-hit]").Count.ShouldBeGreaterThan(0));
        var banner = panel.Find("[data-testid=retrieval-ranking]");
        banner.GetAttribute("data-strategy").ShouldBe(nameof(RankingStrategy.KeywordLed));
        banner.ClassList.ShouldContain(c => c.Contains("warning"));
        banner.TextContent.ShouldContain("The question is in Chinese, which the embedding model local:all-MiniLM-L6-v2 does not serve (it serves English): hits are ranked by keywords");
        banner.TextContent.ShouldEndWith("The vector weight does not apply to this question.");

        // The weight changes nothing for this question: the field is disabled and says why, until the question changes.
        panel.Find("input[data-testid=retrieval-vector-weight]").HasAttribute("disabled").ShouldBeTrue();
        WeightHelp(panel).ShouldBe("The vector weight does not apply to this question.");
        panel.Find("input[data-testid=retrieval-query]").Input("How do I open internal websites from home?");
        panel.WaitForAssertion(() => panel.Find("input[data-testid=retrieval-vector-weight]").HasAttribute("disabled").ShouldBeFalse());
        WeightHelp(panel).ShouldBe("0 to 1");
        panel.Find("input[data-testid=retrieval-query]").Input(state.ResultQuery!);
        panel.WaitForAssertion(() => panel.Find("input[data-testid=retrieval-vector-weight]").HasAttribute("disabled").ShouldBeTrue());

        // The similarity that did not count is struck through, with no dimming that would fail contrast in dark mode.
        panel.Find("[data-testid=hit-similarity][data-used=false]").GetAttribute("style").ShouldBe("text-decoration: line-through");

        var first = panel.FindAll("[data-testid=retrieval-hit]")[0];
        first.TextContent.ShouldContain("六百元");
        first.QuerySelector("[data-testid=hit-language]")!.TextContent.ShouldContain("Chinese");
        first.QuerySelector("[data-testid=hit-similarity]")!.GetAttribute("data-used").ShouldBe("false");
        panel.FindAll("[data-testid=hit-similarity]").ShouldAllBe(s => s.GetAttribute("data-used") == "false");

        // The same console in Chinese names the languages in Chinese.
        using (InCulture("zh-CN"))
        {
            var chinese = Render<RetrievalTestPanel>(p => p.Add(x => x.KnowledgeBaseId, kb.Id).Add(x => x.State, state));
            chinese.Find("[data-testid=retrieval-ranking]").TextContent.ShouldStartWith("问题的语言是中文，嵌入模型 local:all-MiniLM-L6-v2 不支持该语言（仅支持英文）：结果按关键词排序");
            chinese.Find("[data-testid=retrieval-ranking]").TextContent.ShouldEndWith("向量权重对此问题不适用。");
            WeightHelp(chinese).ShouldBe("向量权重对此问题不适用。");
            chinese.Find("[data-testid=hit-language]").TextContent.ShouldContain("中文");
        }

        // Vector mode still answers, and says the similarities mean little.
        state.Mode = RetrievalMode.Vector;
        state.Threshold = 0;
        panel.Render();
        await panel.InvokeAsync(() => panel.Find("[data-testid=retrieval-search]").ClickAsync(new()));
        panel.WaitForAssertion(() => panel.Find("[data-testid=retrieval-ranking]").GetAttribute("data-strategy").ShouldBe(nameof(RankingStrategy.VectorOnly)));
        panel.Find("[data-testid=retrieval-ranking]").ClassList.ShouldContain(c => c.Contains("warning"));
        panel.Find("[data-testid=retrieval-ranking]").TextContent.ShouldContain("the similarities carry little meaning");
        panel.Find("[data-testid=retrieval-ranking]").TextContent.ShouldNotContain("of the hits", customMessage: "the question's own language is unserved: counting the hits would repeat it");
    }

    [Fact]
    public async Task An_english_question_is_fused_and_the_banner_counts_the_hits_whose_vectors_did_not_count()
    {
        var kb = await KnowledgeBaseAsync();
        // The Chinese overtime section names the VPN too: a keyword hit whose vector cannot count.
        var state = new RetrievalConsole { Query = "How do I open internal websites through the VPN from home?", TopK = 3, Threshold = 0, VectorWeight = 0.7 };
        var panel = Render<RetrievalTestPanel>(p => p.Add(x => x.KnowledgeBaseId, kb.Id).Add(x => x.State, state));

        await panel.InvokeAsync(() => panel.Find("[data-testid=retrieval-search]").ClickAsync(new()));
        panel.WaitForAssertion(() => panel.FindAll("[data-testid=retrieval-hit]").Count.ShouldBeGreaterThanOrEqualTo(2));
        var banner = panel.Find("[data-testid=retrieval-ranking]");
        banner.GetAttribute("data-strategy").ShouldBe(nameof(RankingStrategy.Fused));
        banner.ClassList.ShouldContain(c => c.Contains("info"));
        banner.TextContent.ShouldContain("The question is in English and the embedding model local:all-MiniLM-L6-v2 serves English: the keyword and vector rankings are fused (vector weight 0.7).");
        banner.TextContent.ShouldNotContain("does not apply");
        panel.Find("input[data-testid=retrieval-vector-weight]").HasAttribute("disabled").ShouldBeFalse("the weight counts in fused ranking");
        var hits = panel.FindAll("[data-testid=retrieval-hit]");
        hits.ShouldContain(h => h.TextContent.Contains("加班"));
        banner.TextContent.ShouldContain($"{hits.Count - 1} of the hits are in a language the model does not serve; their vectors did not count.");
        hits[0].TextContent.ShouldContain("internal websites");
        hits[0].TextContent.ShouldContain("Score 1.000", Case.Sensitive, "the best hit of both lists scores 1");
        panel.Markup.ShouldNotContain("RRF");
        hits[0].QuerySelector("[data-testid=hit-similarity]")!.GetAttribute("data-used").ShouldBe("true");
        hits.Skip(1).ShouldAllBe(h => h.QuerySelector("[data-testid=hit-similarity]")!.GetAttribute("data-used") == "false" && h.QuerySelector("[data-testid=hit-language]")!.GetAttribute("data-language") == "zh");
    }

    /// <summary>The vector weight field's helper text.</summary>
    private static string WeightHelp(IRenderedComponent<RetrievalTestPanel> panel) =>
        panel.Find("input[data-testid=retrieval-vector-weight]").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text")!.TextContent.Trim();

    private async Task<KnowledgeBase> KnowledgeBaseAsync()
    {
        var kb = await Get<KnowledgeService>().CreateAsync(new KnowledgeBaseInput("Languages", null), default);
        foreach (var (name, text) in new[] { ("handbook.md", Handbook), ("it.md", ItGuide) })
        {
            var document = await Get<KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream(Encoding.UTF8.GetBytes(text)), name, default);
            await Get<JobRunner>().RunAsync(document.JobId!.Value, default);
        }

        return kb;
    }
}
