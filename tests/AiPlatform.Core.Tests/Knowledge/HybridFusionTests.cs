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
    public void Fused_ranking_is_the_weighted_sum_of_the_two_scores_each_relative_to_the_best_of_its_list()
    {
        // Vector: A, B, C (best cosine 0.9). Keyword: C, D, A (best BM25 12).
        (Guid, double)[] vector = [(A, 0.9), (B, 0.8), (C, 0.7)];
        (Guid, double)[] keyword = [(C, 12.0), (D, 8.0), (A, 3.0)];
        var hits = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5);

        var byId = hits.ToDictionary(h => h.ChunkId);
        byId[A].Score.ShouldBe((0.5 * 0.9 / 0.9) + (0.5 * 3 / 12), 1e-12);
        byId[B].Score.ShouldBe(0.5 * 0.8 / 0.9, 1e-12);
        byId[C].Score.ShouldBe((0.5 * 0.7 / 0.9) + (0.5 * 12 / 12), 1e-12);
        byId[D].Score.ShouldBe(0.5 * 8 / 12, 1e-12);
        hits.Select(h => h.ChunkId).ShouldBe([C, A, B, D]);
        hits.ShouldAllBe(h => h.VectorUsed);
        hits.ShouldAllBe(h => h.Score >= 0 && h.Score <= 1);
        byId[C].KeywordRank.ShouldBe(1);
        byId[C].VectorRank.ShouldBe(3);
        byId[C].KeywordScore.ShouldBe(12.0);
        byId[C].KeywordShare.ShouldBe(1.0);
        byId[D].KeywordShare.ShouldBe(8.0 / 12, 1e-12);
        byId[A].KeywordShare.ShouldBe(0.25, 1e-12);
        byId[B].KeywordShare.ShouldBe(0);
        byId[D].Similarity.ShouldBeNull();
        byId[A].Language.ShouldBe("en");

        // A vector-heavy weight lets the vector list lead: A 0.8 + 0.2 × 0.25 = 0.85 against C 0.8 × 0.7 / 0.9 + 0.2 ≈ 0.822.
        var vectorHeavy = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.8);
        vectorHeavy.Select(h => h.ChunkId).ShouldBe([A, C, B, D]);
        vectorHeavy.Select(h => h.Score).ShouldBe([0.85, (0.8 * 0.7 / 0.9) + 0.2, 0.8 * 0.8 / 0.9, 0.2 * 8 / 12], 1e-12);

        // A weight outside 0..1 is clamped.
        HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 7).Select(h => h.Score)
            .ShouldBe(HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 1).Select(h => h.Score));
    }

    [Fact]
    public void Weight_zero_is_the_keyword_order_and_weight_one_the_vector_order()
    {
        (Guid, double)[] vector = [(A, 0.9), (B, 0.8), (C, 0.7)];
        (Guid, double)[] keyword = [(C, 12.0), (D, 8.0), (A, 3.0)];

        var keywordOnly = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0);
        keywordOnly.Select(h => h.ChunkId).ShouldBe([C, D, A, B]);
        keywordOnly.Select(h => h.Score).ShouldBe([1.0, 8.0 / 12, 0.25, 0], 1e-12);

        var vectorOnly = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 1);
        vectorOnly.Select(h => h.ChunkId).ShouldBe([A, B, C, D]);
        vectorOnly.Select(h => h.Score).ShouldBe([1.0, 0.8 / 0.9, 0.7 / 0.9, 0], 1e-12);
    }

    [Fact]
    public void A_negative_cosine_adds_nothing()
    {
        (Guid, double)[] vector = [(A, 0.4), (B, -0.2)];
        (Guid, double)[] keyword = [(B, 2.0)];
        var hits = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);

        hits[A].Score.ShouldBe(0.5, 1e-12);
        hits[B].Score.ShouldBe(0.5, 1e-12, "only its keyword half: a negative cosine does not take score away");
    }

    [Fact]
    public void In_a_served_question_a_chunk_in_an_unserved_language_gets_no_vector_term()
    {
        // B is Chinese: MiniLM's cosine for it means nothing, so it neither scores nor sets the best cosine (A's 0.9 does).
        (Guid, double)[] vector = [(B, 0.95), (A, 0.9), (C, 0.7)];
        (Guid, double)[] keyword = [(B, 5.0), (C, 4.0)];
        var languages = new Dictionary<Guid, string?> { [A] = "en", [B] = "zh", [C] = "en" };
        var list = HybridFusion.Fuse(vector, keyword, id => languages[id], MiniLm, "en", RetrievalMode.Hybrid, 0.6);
        var hits = list.ToDictionary(h => h.ChunkId);

        hits[B].VectorUsed.ShouldBeFalse();
        hits[B].Score.ShouldBe(0.4 * 5 / 5, 1e-12, "its keyword term only");
        hits[B].VectorRank.ShouldBe(1, "the rank shown is the chunk's place in the vector list");
        hits[A].Score.ShouldBe(0.6 * 0.9 / 0.9, 1e-12, "A has the best cosine among served chunks");
        hits[C].Score.ShouldBe((0.6 * 0.7 / 0.9) + (0.4 * 4 / 5), 1e-12);
        hits[A].VectorUsed.ShouldBeTrue();
        list.Select(h => h.ChunkId).ShouldBe([C, A, B]);

        // The same list with a model that serves Chinese counts B's vector, and B's cosine becomes the best.
        var multi = HybridFusion.Fuse(vector, keyword, id => languages[id], Multilingual, "en", RetrievalMode.Hybrid, 0.6).ToDictionary(h => h.ChunkId);
        multi[B].VectorUsed.ShouldBeTrue();
        multi[B].Score.ShouldBe(1.0, 1e-12);
        multi[A].Score.ShouldBe(0.6 * 0.9 / 0.95, 1e-12);
        multi[C].Score.ShouldBe((0.6 * 0.7 / 0.95) + (0.4 * 4 / 5), 1e-12);
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
        hits.Select(h => h.Score).ShouldBe([1.0, 4.0 / 9, 2.0 / 9, 0, 0], 1e-12);
        hits.Select(h => h.KeywordShare).ShouldBe([1.0, 4.0 / 9, 2.0 / 9, 0, 0], 1e-12);
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
        hits.Select(h => h.Score).ShouldBe([1.0, 4.0 / 9, 4.0 / 9, 4.0 / 9, 1.0 / 9], 1e-12);
        var byId = hits.ToDictionary(h => h.ChunkId);
        byId[B].Score.ShouldBe(byId[C].Score);
        byId[D].Score.ShouldBe(byId[C].Score);
        byId[C].KeywordRank.ShouldBe(4, "the keyword rank stays the BM25 list's");
    }

    [Fact]
    public void Keyword_and_vector_modes_use_their_own_list_alone()
    {
        (Guid, double)[] vector = [(A, 0.9), (B, 0.8)];
        (Guid, double)[] keyword = [(C, 12.0), (A, 3.0)];

        var keywordMode = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Keyword, 0.5);
        keywordMode.Select(h => h.ChunkId).ShouldBe([C, A]);
        keywordMode.Select(h => h.Score).ShouldBe([1.0, 0.25], 1e-12);
        keywordMode.ShouldAllBe(h => !h.VectorUsed && h.VectorRank == null);

        var vectorMode = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Vector, 0.5);
        vectorMode.Select(h => h.ChunkId).ShouldBe([A, B], "vector mode ranks by cosine even where the model does not serve the language");
        vectorMode.Select(h => h.Score).ShouldBe([1.0, 0.8 / 0.9], 1e-12);
        vectorMode.ShouldAllBe(h => h.VectorUsed && h.KeywordRank == null && h.KeywordShare == 0);
        HybridFusion.StrategyFor(RetrievalMode.Vector, MiniLm, "zh").ShouldBe(RankingStrategy.VectorOnly);
        HybridFusion.StrategyFor(RetrievalMode.Keyword, MiniLm, "en").ShouldBe(RankingStrategy.KeywordOnly);
    }

    [Fact]
    public void The_threshold_drops_weak_hits_whose_vector_counted_and_hits_only_the_vector_found()
    {
        (Guid, double)[] vector = [(A, 0.15), (B, 0.1)];
        (Guid, double)[] keyword = [(C, 9.0), (A, 3.0)];

        // Keyword-led: C (keyword only, its cosine 0.05 meaningless) and A (keyword hit) stay; B (vector only) goes.
        var led = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(led[C], 0.05, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(led[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(led[B], 0.1, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();

        // Fused: a strong keyword hit (C, BM25 the best: share 1) stays whatever its cosine; a weak one (A, share 1/3) is held
        // to the threshold like a vector-only hit (B).
        var fused = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        fused[C].VectorUsed.ShouldBeTrue();
        fused[C].KeywordShare.ShouldBe(1.0);
        HybridFusion.PassesThreshold(fused[C], 0.05, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(fused[C], 0.05, RetrievalMode.Hybrid, 0.99).ShouldBeTrue();
        fused[A].KeywordShare.ShouldBe(1.0 / 3, 1e-12);
        HybridFusion.PassesThreshold(fused[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();
        HybridFusion.PassesThreshold(fused[A], 0.25, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        HybridFusion.PassesThreshold(fused[B], 0.1, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();
        HybridFusion.PassesThreshold(fused[B], 0.25, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();

        // The strong-keyword share is inclusive: exactly half the best BM25 passes, just under it does not.
        var half = HybridFusion.Fuse(vector, [(C, 9.0), (A, 4.5)], All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        half[A].KeywordShare.ShouldBe(HybridFusion.StrongKeywordShare);
        HybridFusion.PassesThreshold(half[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();
        var under = HybridFusion.Fuse(vector, [(C, 9.0), (A, 4.4)], All("en"), MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(under[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeFalse();

        // Fused with a weak keyword hit in a language the model does not serve: its vector did not count, so it stays.
        var mixed = HybridFusion.Fuse(vector, keyword, id => id == A ? "zh" : "en", MiniLm, "en", RetrievalMode.Hybrid, 0.5).ToDictionary(h => h.ChunkId);
        mixed[A].VectorUsed.ShouldBeFalse();
        HybridFusion.PassesThreshold(mixed[A], 0.15, RetrievalMode.Hybrid, 0.2).ShouldBeTrue();

        // Keyword mode ignores the threshold; vector mode applies it to all.
        var keywordMode = HybridFusion.Fuse(vector, keyword, All("en"), MiniLm, "en", RetrievalMode.Keyword, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(keywordMode[A], 0.0, RetrievalMode.Keyword, 0.99).ShouldBeTrue();
        var vectorMode = HybridFusion.Fuse(vector, keyword, All("zh"), MiniLm, "zh", RetrievalMode.Vector, 0.5).ToDictionary(h => h.ChunkId);
        HybridFusion.PassesThreshold(vectorMode[A], 0.15, RetrievalMode.Vector, 0.2).ShouldBeFalse();
        HybridFusion.PassesThreshold(vectorMode[A], 0.25, RetrievalMode.Vector, 0.2).ShouldBeTrue();
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
        led.Reason.ShouldEndWith("The vector weight does not apply to this question.");

        var unserved = KnowledgeRetrievalService.Explain(RetrievalMode.Vector, "zh", MiniLm, 0.5, 3);
        unserved.ReasonKey.ShouldBe("Kb.Rank.Reason.VectorUnserved");
        unserved.Reason.ShouldNotContain("of the hits");
        KnowledgeRetrievalService.Explain(RetrievalMode.Vector, "en", MiniLm, 0.5, 3).Reason.ShouldContain("3 of the hits are in a language the model does not serve.");
        KnowledgeRetrievalService.Explain(RetrievalMode.Vector, "zh", Multilingual, 0.5, 0).ReasonKey.ShouldBe("Kb.Rank.Reason.VectorOnly");
        KnowledgeRetrievalService.Explain(RetrievalMode.Keyword, "zh", MiniLm, 0.5, 3).ReasonKey.ShouldBe("Kb.Rank.Reason.KeywordOnly");
    }
}
