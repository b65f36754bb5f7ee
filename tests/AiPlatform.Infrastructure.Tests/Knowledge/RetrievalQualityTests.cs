using System.Globalization;
using System.Text;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>
/// Retrieval quality on two labelled corpora shipped with the tests (Knowledge/Corpus/en and zh: Markdown documents and
/// questions.*.tsv, one right section per question, asked in other words than the text). Each corpus is ingested once into
/// a knowledge base with default settings; recall@1 and recall@3 are measured per mode through the retrieval console.
/// </summary>
public sealed class RetrievalQualityTests(RetrievalCorpusFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<RetrievalCorpusFixture>
{
    private static readonly RetrievalMode[] Modes = [RetrievalMode.Hybrid, RetrievalMode.Vector, RetrievalMode.Keyword];

    [Fact]
    public void Every_section_of_both_corpora_is_one_chunk_and_every_question_names_one_of_them()
    {
        foreach (var corpus in fixture.Corpora)
        {
            corpus.Questions.Count.ShouldBeGreaterThanOrEqualTo(36, corpus.Language);
            corpus.Chunks.ShouldBe(corpus.Sections, $"{corpus.Language}: one chunk per section");
            corpus.Headings.Count.ShouldBe(corpus.Sections, $"{corpus.Language}: every heading path is unique");
            corpus.Questions.ShouldAllBe(q => corpus.Headings.Contains(q.Heading), corpus.Language);
        }
    }

    [Fact]
    public async Task Recall_at_1_and_3_per_mode_and_language()
    {
        var table = new StringBuilder("| mode | language | recall@1 | recall@3 |\n|---|---|---|---|\n");
        var misses = new StringBuilder();
        foreach (var mode in Modes)
        {
            foreach (var corpus in fixture.Corpora)
            {
                var recall = await MeasureAsync(corpus, mode);
                table.AppendLine(CultureInfo.InvariantCulture, $"| {mode} | {corpus.Language} | {recall.Format(recall.At1)} | {recall.Format(recall.At3)} |");
                misses.Append(recall.Misses(mode, corpus.Language));
            }
        }

        output.WriteLine(table.ToString());
        output.WriteLine(misses.ToString());
    }

    private async Task<Recall> MeasureAsync(LabelledCorpus corpus, RetrievalMode mode)
    {
        var retrieval = fixture.Services.Get<KnowledgeRetrievalService>();
        var at1 = 0;
        var at3 = 0;
        var missed = new List<(string Question, string Expected, IReadOnlyList<string?> Got)>();
        foreach (var (question, heading) in corpus.Questions)
        {
            // Default settings: the knowledge base's own relevance threshold and fusion.
            var hits = await retrieval.SearchAsync(corpus.KnowledgeBase.Id, question, 3, mode, null, CancellationToken.None);
            var headings = hits.Select(h => h.Heading).ToList();
            at1 += headings.Take(1).Contains(heading) ? 1 : 0;
            at3 += headings.Contains(heading) ? 1 : 0;
            if (headings.FirstOrDefault() != heading)
            {
                missed.Add((question, heading, headings));
            }
        }

        return new Recall(at1, at3, corpus.Questions.Count, missed);
    }

    private sealed record Recall(int At1, int At3, int Total, IReadOnlyList<(string Question, string Expected, IReadOnlyList<string?> Got)> Missed)
    {
        public double Rate1 => (double)At1 / Total;

        public double Rate3 => (double)At3 / Total;

        public string Format(int found) => string.Create(CultureInfo.InvariantCulture, $"{found}/{Total} ({(double)found / Total:0.000})");

        public string Misses(RetrievalMode mode, string language)
        {
            var text = new StringBuilder();
            foreach (var (question, expected, got) in Missed)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{mode}/{language} miss@1: {question} — expected {expected}; got {string.Join(" | ", got)}");
            }

            return text.ToString();
        }
    }
}

/// <summary>A labelled corpus ingested into its own knowledge base.</summary>
public sealed record LabelledCorpus(string Language, KnowledgeBase KnowledgeBase, int Sections, int Chunks, IReadOnlySet<string> Headings, IReadOnlyList<(string Question, string Heading)> Questions);

/// <summary>Both corpora ingested once, with default knowledge-base settings (built-in MiniLM, split by headings).</summary>
public sealed class RetrievalCorpusFixture : IAsyncLifetime
{
    public SqliteServicesFixture Services { get; } = new();

    public IReadOnlyList<LabelledCorpus> Corpora { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await Services.InitializeAsync();
        Corpora = [await IngestAsync("en"), await IngestAsync("zh")];
    }

    public Task DisposeAsync() => Services.DisposeAsync();

    private async Task<LabelledCorpus> IngestAsync(string language)
    {
        var folder = KnowledgeDocuments.CorpusFile(language);
        var kb = await Services.Get<KnowledgeService>().CreateAsync(new KnowledgeBaseInput("quality-" + language, null), CancellationToken.None);
        var documents = Services.Get<KnowledgeDocumentService>();
        var sections = 0;
        foreach (var path in Directory.GetFiles(folder, "*.md").Order(StringComparer.Ordinal))
        {
            var content = await File.ReadAllBytesAsync(path);
            sections += File.ReadAllLines(path).Count(l => l.StartsWith("## ", StringComparison.Ordinal));
            var document = await documents.UploadAsync(kb.Id, new MemoryStream(content), Path.GetFileName(path), CancellationToken.None);
            await Services.Get<JobRunner>().RunAsync(document.JobId!.Value, CancellationToken.None);
        }

        var listed = await documents.ListDocumentsAsync(kb.Id, CancellationToken.None);
        listed.ShouldAllBe(d => d.Status == DocumentStatus.Ready, language);
        var headings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in listed)
        {
            foreach (var chunk in (await documents.GetDocumentAsync(kb.Id, document.Id, CancellationToken.None)).Chunks)
            {
                headings.Add(chunk.Heading ?? string.Empty);
            }
        }

        var questions = File.ReadAllLines(Path.Combine(folder, $"questions.{language}.tsv"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], p[1]))
            .ToList();
        return new LabelledCorpus(language, kb, sections, listed.Sum(d => d.ChunkCount), headings, questions);
    }
}
