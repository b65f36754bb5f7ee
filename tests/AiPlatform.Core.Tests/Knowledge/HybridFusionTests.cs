using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Tests.Knowledge;

public sealed class HybridFusionTests
{
    private static readonly Guid A = Id(1), B = Id(2), C = Id(3), D = Id(4), E = Id(5);
    private static readonly EmbeddingLanguageInfo MiniLm = EmbeddingLanguages.BuiltIn;
    private static readonly EmbeddingLanguageInfo Multilingual = new("bge-m3", [EmbeddingLanguages.Any], EmbeddingLanguageSource.KnownFamily);

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static Func<Guid, string?> All(string language) => _ => language;

    [Fact]
    public void Fused_ranking_weights_the_two_reciprocal_ranks()
    {
        // Vector: A, B, C. Keyword: C, D, A.
        (Guid, double)[] vector = [(A, 0.9), (B, 0.8), (C, 0.7)];
        (Guid, double)[] keyword = [(C, 12.0), (D, 8.0), (A, 3.0)];
        var hits = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5);

        var k = HybridFusion.RrfK;
        var byId = hits.ToDictionary(h => h.ChunkId);
        byId[A].Score.ShouldBe((0.5 / (k + 3)) + (0.5 / (k + 1)), 1e-12);
        byId[C].Score.ShouldBe((0.5 / (k + 1)) + (0.5 / (k + 3)), 1e-12);
        byId[B].Score.ShouldBe(0.5 / (k + 2), 1e-12);
        byId[D].Score.ShouldBe(0.5 / (k + 2), 1e-12);
        hits.Select(h => h.ChunkId).ShouldBe([A, C, B, D], "A and C tie and A is more similar; B ties D and B has a cosine");
        hits.ShouldAllBe(h => h.VectorUsed);
        byId[C].KeywordRank.ShouldBe(1);
        byId[C].VectorRank.ShouldBe(3);
        byId[C].KeywordScore.ShouldBe(12.0);
        byId[D].Similarity.ShouldBeNull();
        byId[A].Language.ShouldBe("en");

        // A keyword-heavy weight lets the keyword list lead.
        HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.2)[0].ChunkId.ShouldBe(C);
    }

    [Fact]
    public void Weight_zero_is_the_keyword_order_and_weight_one_the_vector_order()
    {
        (Guid, double)[] vector = [(A, 0.9), (B, 0.8), (C, 0.7)];
        (Guid, double)[] keyword = [(C, 12.0), (D, 8.0), (A, 3.0)];

        var keywordOnly = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0);
        keywordOnly.Take(3).Select(h => h.ChunkId).ShouldBe([C, D, A]);
        keywordOnly[3].ChunkId.ShouldBe(B);
        keywordOnly[3].Score.ShouldBe(0);

        var vectorOnly = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 1);
        vectorOnly.Take(3).Select(h => h.ChunkId).ShouldBe([A, B, C]);
        vectorOnly[3].ChunkId.ShouldBe(D);
        vectorOnly[3].Score.ShouldBe(0);
    }

    [Fact]
    public void In_a_served_question_a_chunk_in_an_unserved_language_gets_no_vector_term()
    {
        // B is Chinese: MiniLM's cosine for it means nothing, so it neither scores nor takes a vector rank from C.
        (Guid, double)[] vector = [(B, 0.95), (A, 0.9), (C, 0.7)];
        (Guid, double)[] keyword = [(B, 5.0), (C, 4.0)];
        var languages = new Dictionary<Guid, string?> { [A] = "en", [B] = "zh", [C] = "en" };
        var hits = HybridFusion.Fuse(vector, keyword, id => languages[id], MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);

        var k = HybridFusion.RrfK;
        hits[B].VectorUsed.ShouldBeFalse();
        hits[B].Score.ShouldBe(0.5 / (k + 1), 1e-12);
        hits[B].VectorRank.ShouldBe(1, "the rank shown is the chunk's place in the vector list");
        hits[A].Score.ShouldBe(0.5 / (k + 1), 1e-12, "A is the first served vector hit");
        hits[C].Score.ShouldBe((0.5 / (k + 2)) + (0.5 / (k + 2)), 1e-12);
        hits[A].VectorUsed.ShouldBeTrue();

        // The same list with a model that serves Chinese counts B's vector.
        var multi = HybridFusion.Fuse(vector, keyword, id => languages[id], Multilingual, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        multi[B].VectorUsed.ShouldBeTrue();
        multi[B].Score.ShouldBe(1.0 / (k + 1), 1e-12);
    }

    [Fact]
    public void An_unserved_question_is_keyword_led_and_vector_only_hits_come_last_by_cosine()
    {
        // MiniLM on a Chinese question: the vector list is noise.
        (Guid, double)[] vector = [(E, 0.6), (D, 0.5), (C, 0.4), (A, 0.1)];
        (Guid, double)[] keyword = [(A, 9.0), (B, 4.0), (C, 2.0)];
        var hits = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Hybrid, 1.0);

        hits.Select(h => h.ChunkId).ShouldBe([A, B, C, E, D], "keyword hits in BM25 order, whatever the weight; then the vector-only hits by cosine");
        hits.ShouldAllBe(h => !h.VectorUsed);
        hits.Take(3).ShouldAllBe(h => h.Score > 0);
        hits.Skip(3).ShouldAllBe(h => h.Score == 0);
        hits[0].Score.ShouldBe(1.0 / (HybridFusion.RrfK + 1), 1e-12);
        HybridFusion.StrategyFor(RetrievalMode.Hybrid, MiniLm, "zh").ShouldBe(RankingStrategy.KeywordLed);
        HybridFusion.StrategyFor(RetrievalMode.Hybrid, Multilingual, "zh").ShouldBe(RankingStrategy.Fused);
        HybridFusion.StrategyFor(RetrievalMode.Hybrid, MiniLm, null).ShouldBe(RankingStrategy.Fused, "a question without letters is served by any model");
    }

    [Fact]
    public void Keyword_led_ties_in_bm25_are_broken_by_cosine()
    {
        // B and C have the same BM25 score; C is more similar. D ties with them too but has no cosine in the list.
        (Guid, double)[] vector = [(C, 0.5), (B, 0.3)];
        (Guid, double)[] keyword = [(A, 9.0), (B, 4.0), (D, 4.0), (C, 4.0), (E, 1.0)];
        var hits = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Hybrid, 0.5);

        hits.Select(h => h.ChunkId).ShouldBe([A, C, B, D, E]);
        var byId = hits.ToDictionary(h => h.ChunkId);
        byId[B].Score.ShouldBe(byId[C].Score);
        byId[D].Score.ShouldBe(byId[C].Score);
        byId[C].KeywordRank.ShouldBe(4, "the keyword rank stays the BM25 list's");
        byId[E].Score.ShouldBeLessThan(byId[D].Score);
    }

    [Fact]
    public void Keyword_and_vector_modes_use_their_own_list_alone()
    {
        (Guid, double)[] vector = [(A, 0.9), (B, 0.8)];
        (Guid, double)[] keyword = [(C, 12.0), (A, 3.0)];

        var keywordMode = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Keyword, 0.5);
        keywordMode.Select(h => h.ChunkId).ShouldBe([C, A]);
        keywordMode.ShouldAllBe(h => !h.VectorUsed && h.VectorRank == null);

        var vectorMode = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Vector, 0.5);
        vectorMode.Select(h => h.ChunkId).ShouldBe([A, B], "vector mode ranks by cosine even where the model does not serve the language");
        vectorMode.ShouldAllBe(h => h.VectorUsed && h.KeywordRank == null);
        HybridFusion.StrategyFor(RetrievalMode.Vector, MiniLm, "zh").ShouldBe(RankingStrategy.VectorOnly);
        HybridFusion.StrategyFor(RetrievalMode.Keyword, MiniLm, "en").ShouldBe(RankingStrategy.KeywordOnly);
    }

    [Fact]
    public void The_threshold_drops_only_hits_whose_vector_counted_or_that_only_the_vector_found()
    {
        (Guid, double)[] vector = [(A, 0.15), (B, 0.1)];
        (Guid, double)[] keyword = [(C, 9.0), (A, 3.0)];

        // Keyword-led: C (keyword only, its cosine 0.05 meaningless) and A (keyword hit) stay; B (vector only) goes.
        var led = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(led[C], 0.05, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(led[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(led[B], 0.1, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();

        // Fused: every served hit is held to the threshold, keyword-only ones too (their cosine comes from the stored vector).
        var fused = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(fused[C], 0.05, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();
        HybridFusion.PassesThreshold(fused[C], 0.25, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(fused[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();

        // Fused with a chunk the model does not serve: its keyword hit stays whatever its cosine.
        var mixed = HybridFusion.Fuse(vector, keyword, id => id == C ? "zh" : "en", MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(mixed[C], 0.05, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();

        // Keyword mode ignores the threshold; vector mode applies it to all.
        var keywordMode = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Keyword, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(keywordMode[C], 0.0, RetrievalMode.Keyword, 0.99).ShouldBeTrue();
        var vectorMode = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Vector, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(vectorMode[A], 0.15, RetrievalMode.Vector, 0.2).ShouldBeFalse();
    }

    [Fact]
    public void The_ranking_explains_itself_with_a_resource_key_and_language_codes()
    {
        var fused = KnowledgeRetrievalService.Explain(RetrievalMode.Hybrid, "en", MiniLm, 0.4, 2);
        fused.Strategy.ShouldBe(RankingStrategy.Fused);
        fused.ReasonKey.ShouldBe("Kb.Rank.Reason.Fused");
        fused.ReasonArguments.ShouldBe(["en", "en", MiniLm.Model, "0.4", "2"]);
        fused.Reason.ShouldContain("vector weight 0.4");
        fused.Reason.ShouldContain("2 of the hits");

        var led = KnowledgeRetrievalService.Explain(RetrievalMode.Hybrid, "zh", MiniLm, 0.5, 0);
        led.Strategy.ShouldBe(RankingStrategy.KeywordLed);
        led.ReasonKey.ShouldBe("Kb.Rank.Reason.KeywordLed");
        led.Reason.ShouldContain("ranked by keywords");

        KnowledgeRetrievalService.Explain(RetrievalMode.Vector, "zh", MiniLm, 0.5, 3).ReasonKey.ShouldBe("Kb.Rank.Reason.VectorUnserved");
        KnowledgeRetrievalService.Explain(RetrievalMode.Vector, "zh", Multilingual, 0.5, 0).ReasonKey.ShouldBe("Kb.Rank.Reason.VectorOnly");
        KnowledgeRetrievalService.Explain(RetrievalMode.Keyword, "zh", MiniLm, 0.5, 3).ReasonKey.ShouldBe("Kb.Rank.Reason.KeywordOnly");
    }
}
