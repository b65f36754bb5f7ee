using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Tests.Knowledge;

public sealed class RetrievalIndexTests
{
    private static float[][] Clustered(int count, int dimension, int seed)
    {
        // Vectors around 50 random centres, like embeddings of texts on a few topics.
        var random = new Random(seed);
        var centres = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var c = centres[random.Next(centres.Length)];
            return VectorMath.Normalize([.. c.Select(x => x + (float)((random.NextDouble() * 2 - 1) * 0.6))]);
        })];
    }

    [Fact]
    public void The_graph_finds_at_least_95_percent_of_the_exact_top_10()
    {
        var vectors = Clustered(5000, 64, 1);
        var index = new HnswIndex(64);
        foreach (var v in vectors)
        {
            index.Add(v);
        }

        var queries = Clustered(100, 64, 2);
        var found = 0;
        foreach (var q in queries)
        {
            var exact = index.SearchExact(q, 10).Select(h => h.Node).ToHashSet();
            found += index.Search(q, 10, 100).Count(h => exact.Contains(h.Node));
        }

        (found / 1000.0).ShouldBeGreaterThanOrEqualTo(0.95);
    }

    [Fact]
    public void Removed_nodes_are_never_returned_and_a_saved_graph_loads_with_the_same_answers()
    {
        var vectors = Clustered(800, 16, 3);
        var index = new HnswIndex(16);
        foreach (var v in vectors)
        {
            index.Add(v);
        }

        var best = index.Search(vectors[10], 1, 50)[0];
        best.Node.ShouldBe(10);
        best.Similarity.ShouldBe(1f, 1e-4f);
        index.Remove(10);
        index.Search(vectors[10], 5, 50).ShouldAllBe(h => h.Node != 10);
        index.SearchExact(vectors[10], 5).ShouldAllBe(h => h.Node != 10);

        using var stream = new MemoryStream();
        index.Save(stream);
        stream.Position = 0;
        var loaded = HnswIndex.Load(stream);
        loaded.Count.ShouldBe(800);
        loaded.LiveCount.ShouldBe(799);
        loaded.Search(vectors[42], 5, 50).ShouldBe(index.Search(vectors[42], 5, 50));
        Should.Throw<ArgumentException>(() => index.Add(new float[3]));
    }

    [Fact]
    public void Bm25_ranks_rare_matching_terms_first_and_forgets_removed_documents()
    {
        var bm25 = new Bm25Index();
        bm25.Add(0, "The storage service refused the connection: error E1043.");
        bm25.Add(1, "The storage service closed the connection: error E1042.");
        bm25.Add(2, "Cats sleep most of the day.");
        bm25.Search("what is E1043", 3).Select(h => h.Node).ShouldBe([0]);
        bm25.Search("storage connection", 3).Select(h => h.Node).ShouldBe([0, 1], ignoreOrder: true);
        bm25.Remove(0);
        bm25.Search("E1043", 3).ShouldBeEmpty();
        bm25.Search("the of", 3).ShouldBeEmpty("stop words match nothing");
    }

    [Fact]
    public void Chinese_text_is_searchable_by_characters_and_bigrams()
    {
        Bm25Index.Tokenize("模型部署 GPU").ShouldBe(["模", "型", "模型", "部", "型部", "署", "部署", "gpu"]);
        var bm25 = new Bm25Index();
        bm25.Add(0, "模型部署需要一块GPU。");
        bm25.Add(1, "数据集版本管理。");
        bm25.Search("如何部署模型", 2)[0].Node.ShouldBe(0);
    }

    [Fact]
    public void Chunks_respect_size_and_overlap_cut_at_sentences_and_keep_their_heading()
    {
        var sentence = "This sentence is exactly fifty characters long ok. ";
        var text = string.Concat(Enumerable.Repeat(sentence, 40));
        var chunks = TextChunker.Chunk([new DocumentSection("Intro", text), new DocumentSection("Next", "Short.")], 400, 100, byHeadings: true);
        chunks.Where(c => c.Heading == "Intro").ShouldAllBe(c => c.Text.Length <= 400 && c.Text.EndsWith('.'));
        chunks.Last().ShouldBe(new TextChunk("Next", "Short."));
        var intro = chunks.Where(c => c.Heading == "Intro").ToList();
        intro[0].Text.ShouldContain(intro[1].Text[..40], customMessage: "consecutive chunks overlap");
        string.Join(" ", intro.Select(c => c.Text)).Length.ShouldBeGreaterThanOrEqualTo(text.Trim().Length);

        var merged = TextChunker.Chunk([new DocumentSection("A", "alpha"), new DocumentSection("B", "beta")], 400, 0, byHeadings: false);
        merged.ShouldHaveSingleItem().Text.ShouldBe("A\nalpha\n\nB\nbeta");
        merged[0].Heading.ShouldBeNull();
        TextChunker.Chunk([new DocumentSection(null, "   \n\n ")], 400, 0, true).ShouldBeEmpty();
    }
}
