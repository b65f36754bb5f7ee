using System.Text;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>
/// Language-aware ranking with the real MiniLM model (English only): a Chinese question is ranked by keywords, so the
/// right section comes first where MiniLM's vectors alone miss it; an English question in the same knowledge base is
/// fused, and the Chinese chunks' vectors do not count in it.
/// </summary>
public abstract class LanguageRankingTests<TFixture>(TFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private const string Handbook = """
        # 员工手册

        ## 病假
        员工因生病不能上班时，应在当天上午九点前通知直属主管，并在人事系统中提交病假申请。连续病假超过两天的，需要提供医院出具的诊断证明。

        ## 差旅住宿
        出差期间的酒店住宿按城市等级报销：北京、上海、深圳每晚不超过六百元，其他城市每晚不超过四百元。超出部分由员工自行承担。

        ## 机房温度
        数据中心机房的温度应保持在十八到二十七摄氏度之间，湿度保持在百分之四十到六十。温度报警时，值班工程师须在十五分钟内到场处理。

        ## 密码规则
        OA系统的登录密码至少十二位，必须包含大小写字母、数字和符号，每九十天更换一次，不得与最近五次使用过的密码相同。

        ## 年终奖金
        年终奖金根据全年绩效考核结果发放，通常在春节前的最后一个发薪日随工资一起发放。试用期员工不参加当年的年终奖金评定。

        ## 会议室预订
        会议室通过企业微信的预订小程序登记，单次预订最长四小时。预订后十五分钟内未签到的，系统会自动释放该会议室。

        ## 加班
        工作日加班需提前在审批系统中提交加班申请，经主管批准后方可计入加班时长。加班时长可以在三个月内申请调休。

        ## 数据备份
        业务数据库每天凌晨两点进行全量备份，备份文件保留三十天，并每周同步一份到异地机房。恢复数据需要提交运维工单。
        """;

    private const string ItGuide = """
        # IT guide

        ## VPN access
        Connect to the VPN with the company authenticator app before you open internal websites from home or from a hotel.

        ## Printers
        The printers on every floor print double-sided by default; scan a page to your email by holding your badge to the reader.
        """;

    /// <summary>Questions in other words than the handbook, with the section that answers them.</summary>
    private static readonly (string Question, string Heading)[] ChineseQuestions =
    [
        ("生病了没法来上班，要怎么请假？", "员工手册 > 病假"),
        ("出差去北京住酒店，一晚最多能报销多少钱？", "员工手册 > 差旅住宿"),
        ("机房太热了，温度应该控制在多少度？", "员工手册 > 机房温度"),
        ("ＯＡ系统的密码多久要换一次？", "员工手册 > 密码规则"),
        ("年终奖什么时候发？", "员工手册 > 年终奖金"),
        ("想订一间会议室开会，最多能用多久？", "员工手册 > 会议室预订"),
        ("周末加班的时长能换成休假吗？", "员工手册 > 加班"),
        ("数据库多久备份一次？", "员工手册 > 数据备份"),
    ];

    private KnowledgeService Knowledge => fixture.Get<KnowledgeService>();

    private KnowledgeDocumentService Documents => fixture.Get<KnowledgeDocumentService>();

    private KnowledgeRetrievalService Retrieval => fixture.Get<KnowledgeRetrievalService>();

    [Fact]
    public async Task A_chinese_question_is_ranked_by_keywords_and_finds_the_section_first_where_minilm_alone_misses_it()
    {
        var kb = await KnowledgeBaseAsync();
        var chunks = (await Documents.GetDocumentAsync(kb.Id, (await Documents.ListDocumentsAsync(kb.Id, None)).Single(d => d.FileName == "handbook.md").Id, None)).Chunks;
        chunks.ShouldAllBe(c => c.Language == TextLanguage.Chinese, "ingestion records each chunk's language");

        var hybridFirst = 0;
        var vectorFirst = 0;
        var vectorMissed = new List<string>();
        foreach (var (question, heading) in ChineseQuestions)
        {
            var hybrid = await Retrieval.SearchAsync(kb.Id, question, 3, RetrievalMode.Hybrid, 0, null, None);
            hybrid.Ranking.Strategy.ShouldBe(RankingStrategy.KeywordLed);
            hybrid.Ranking.QuestionLanguage.ShouldBe(TextLanguage.Chinese);
            hybrid.Ranking.Embedder.Languages.ShouldBe([TextLanguage.English]);
            hybrid.Hits.ShouldAllBe(h => !h.VectorUsed);
            hybrid.Ranking.UnservedHits.ShouldBe(hybrid.Hits.Count(h => h.Language == TextLanguage.Chinese));
            hybridFirst += hybrid.Hits[0].Heading == heading ? 1 : 0;

            var vector = await Retrieval.SearchAsync(kb.Id, question, 3, RetrievalMode.Vector, 0, null, None);
            vector.Ranking.ReasonKey.ShouldBe("Kb.Rank.Reason.VectorUnserved");
            if (vector.Hits.FirstOrDefault()?.Heading == heading)
            {
                vectorFirst++;
            }
            else if (hybrid.Hits[0].Heading == heading)
            {
                vectorMissed.Add(question);
            }
        }

        output.WriteLine($"Chinese recall@1 with MiniLM: hybrid (keyword-led) {hybridFirst}/{ChineseQuestions.Length}, vector {vectorFirst}/{ChineseQuestions.Length}; vector alone missed: {string.Join(" | ", vectorMissed)}");
        hybridFirst.ShouldBe(ChineseQuestions.Length);
        vectorMissed.ShouldNotBeEmpty("MiniLM does not understand Chinese: some right section that keywords find first is not the vector list's first");

        // The threshold is a cosine: a keyword-led hit is never dropped by it, a vector-mode hit is.
        (await Retrieval.SearchAsync(kb.Id, "数据库多久备份一次？", 3, RetrievalMode.Hybrid, 0.99, null, None)).Hits[0].Heading.ShouldBe("员工手册 > 数据备份");
        (await Retrieval.SearchAsync(kb.Id, "数据库多久备份一次？", 3, RetrievalMode.Vector, 0.99, null, None)).Hits.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_english_question_is_fused_and_the_chinese_chunks_vectors_do_not_count()
    {
        var kb = await KnowledgeBaseAsync();
        var result = await Retrieval.SearchAsync(kb.Id, "How do I reach internal websites when I am at home?", 10, RetrievalMode.Hybrid, 0, 0.7, None);

        result.Ranking.Strategy.ShouldBe(RankingStrategy.Fused);
        result.Ranking.QuestionLanguage.ShouldBe(TextLanguage.English);
        result.Ranking.VectorWeight.ShouldBe(0.7);
        result.Hits[0].Heading.ShouldBe("IT guide > VPN access");
        result.Hits[0].VectorUsed.ShouldBeTrue();
        result.Hits[0].Language.ShouldBe(TextLanguage.English);
        var chinese = result.Hits.Where(h => h.Language == TextLanguage.Chinese).ToList();
        chinese.ShouldNotBeEmpty("the vector list reaches the Chinese chunks too");
        chinese.ShouldAllBe(h => !h.VectorUsed && h.Score == 0, "their cosine means nothing to MiniLM: no vector term, no keyword match");
        result.Ranking.UnservedHits.ShouldBe(chinese.Count);
        result.Ranking.Reason.ShouldContain($"{chinese.Count} of the hits");

        await Should.ThrowAsync<Core.Common.ValidationException>(() => Retrieval.SearchAsync(kb.Id, "VPN", 3, RetrievalMode.Hybrid, 0, 1.5, None));
    }

    [Fact]
    public async Task An_index_loaded_from_its_snapshot_knows_the_chunks_languages()
    {
        var kb = await KnowledgeBaseAsync();
        await Retrieval.SearchAsync(kb.Id, "VPN", 3, RetrievalMode.Hybrid, 0, null, None);
        var external = fixture.Get<KnowledgeIndexCache>().External;
        var fresh = new KnowledgeIndexCache(fixture.Get<IIndexSnapshotStore>(), NullLogger<KnowledgeIndexCache>.Instance, external is null ? null : [external]);
        var current = (await Knowledge.GetAsync(kb.Id, None)).KnowledgeBase;
        var index = await fresh.GetAsync(current, fixture.Get<IKnowledgeStore>(), 384, None);

        const string question = "OA系统的密码多久要换一次？";
        var query = (await fixture.Get<ILocalEmbedder>().EmbedAsync([question], None))[0];
        var hits = await index.SearchAsync(query, question, 3, RetrievalMode.Hybrid, EmbeddingLanguages.BuiltIn, TextLanguage.Detect(question), 0.5, None);
        hits[0].Language.ShouldBe(TextLanguage.Chinese);
        hits[0].VectorUsed.ShouldBeFalse();
        hits[0].KeywordRank.ShouldBe(1);
        var english = await index.SearchAsync(query, "VPN app", 3, RetrievalMode.Hybrid, EmbeddingLanguages.BuiltIn, TextLanguage.English, 0.5, None);
        english.ShouldContain(h => h.Language == TextLanguage.English && h.VectorUsed);
    }

    private async Task<KnowledgeBase> KnowledgeBaseAsync()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("languages-" + Guid.NewGuid().ToString("N")[..8], null), None);
        foreach (var (name, text) in new[] { ("handbook.md", Handbook), ("it-guide.md", ItGuide) })
        {
            var document = await Documents.UploadAsync(kb.Id, new MemoryStream(Encoding.UTF8.GetBytes(text)), name, None);
            await fixture.Get<JobRunner>().RunAsync(document.JobId!.Value, None);
        }

        return kb;
    }
}

public sealed class SqliteLanguageRankingTests(SqliteServicesFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : LanguageRankingTests<SqliteServicesFixture>(fixture, output), IClassFixture<SqliteServicesFixture>;

public sealed class PgvectorLanguageRankingTests(PgvectorServicesFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : LanguageRankingTests<PgvectorServicesFixture>(fixture, output), IClassFixture<PgvectorServicesFixture>;
