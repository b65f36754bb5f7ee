using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>
/// A knowledge base's language statistics from the store, the background backfill of chunks stored before languages were
/// (reading the statistics writes nothing), and the vector weight setting.
/// </summary>
public abstract class KnowledgeLanguageTests<TFixture>(TFixture fixture)
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private KnowledgeService Knowledge => fixture.Get<KnowledgeService>();

    private IKnowledgeStore Store => fixture.Get<IKnowledgeStore>();

    [Fact]
    public async Task Statistics_group_chunks_by_language_and_the_backfill_detects_and_writes_back_old_chunks_languages_in_batches()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("languages-" + Suffix(), null), None);
        var document = await fixture.Get<KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream("placeholder"u8.ToArray()), "old.md", None);

        // As an installation from before languages were recorded has them: more chunks without one than a batch holds.
        var chinese = Enumerable.Range(0, KnowledgeLanguageBackfill.BatchSize + 150).Select(i => $"第{i}条：员工请病假需要在系统中提交申请，并附上医生证明。").ToList();
        var english = Enumerable.Range(0, 120).Select(i => $"Rule {i}: sick leave is requested in the HR system with a note from a doctor.").ToList();
        var letterless = new[] { "2024-01-01 12:00", "12345", "3.5%" };
        var texts = chinese.Concat(english).Concat(letterless).ToList();
        var chunks = texts.Select((text, i) => new KnowledgeChunk
        {
            Id = Guid.CreateVersion7(),
            KnowledgeBaseId = kb.Id,
            DocumentId = document.Id,
            Ordinal = i,
            Heading = i < chinese.Count ? "员工手册 > 病假" : null,
            Text = text,
            Embedding = new byte[16],
        }).OrderBy(_ => Random.Shared.Next()).ToList();
        await Store.ReplaceChunksAsync(document, chunks, None);
        (await Store.CountLanguagesAsync(kb.Id, None)).Single().ShouldBe(new KnowledgeLanguageCount(null, texts.Count, texts.Sum(t => (long)t.Length)));

        // Reading the statistics (a GET, open to readers) writes nothing: until the backfill, the old chunks are language null.
        var before = await Knowledge.GetLanguagesAsync(kb.Id, None);
        before.Languages.Select(l => (l.Language, l.Chunks, l.Characters)).ShouldBe([(null, texts.Count, texts.Sum(t => (long)t.Length))]);
        before.Warning.ShouldBeFalse("nothing is known to be unserved yet");
        (await Store.ListChunksWithoutLanguageAsync(kb.Id, null, 10_000, None)).Count.ShouldBe(texts.Count);

        var backfill = fixture.Get<KnowledgeLanguageBackfill>();
        (await backfill.RunAsync(None)).ShouldBe(chinese.Count + english.Count, "every chunk with letters, across more than one batch");

        var report = await Knowledge.GetLanguagesAsync(kb.Id, None);

        report.Languages.Select(l => (l.Language, l.Chunks, l.Characters)).ShouldBe(
        [
            ("zh", chinese.Count, chinese.Sum(t => (long)t.Length)),
            ("en", english.Count, english.Sum(t => (long)t.Length)),
            (null, letterless.Length, letterless.Sum(t => (long)t.Length)),
        ]);
        report.Characters.ShouldBe(texts.Sum(t => (long)t.Length));
        report.Languages.Sum(l => l.Share).ShouldBe(1, 1e-9);
        report.Languages.Select(l => l.Served).ShouldBe([false, true, true]);
        report.Embedder.ShouldBe(EmbeddingLanguages.BuiltIn);
        report.DominantUnserved.ShouldBe("zh");
        report.UnservedShare.ShouldBe((double)chinese.Sum(t => t.Length) / texts.Sum(t => t.Length), 1e-9);
        report.Warning.ShouldBeTrue();
        report.Suggestions.ShouldBeEmpty("no provider model is configured");

        // Written back: only the chunks without letters are still without a language; a second run finds nothing to write
        // (the chunks without letters are read again but never written), and a second read finds the same.
        var remaining = await Store.ListChunksWithoutLanguageAsync(kb.Id, null, 10_000, None);
        remaining.Select(c => c.Text).ShouldBe(letterless, ignoreOrder: true);
        var stored = await Store.LoadChunksAsync([.. chunks.Select(c => c.Id)], None);
        stored.Where(c => c.Text.StartsWith("第", StringComparison.Ordinal)).ShouldAllBe(c => c.Language == "zh");
        stored.Where(c => c.Text.StartsWith("Rule", StringComparison.Ordinal)).ShouldAllBe(c => c.Language == "en");
        (await backfill.RunAsync(None)).ShouldBe(0);
        (await Knowledge.GetLanguagesAsync(kb.Id, None)).Languages.ShouldBe(report.Languages);

        // A chunk that was given its language meanwhile keeps it.
        (await Store.SetChunkLanguagesAsync(new Dictionary<Guid, string> { [stored.First(c => c.Language == "zh").Id] = "ja" }, None)).ShouldBe(0);
        (await Store.CountLanguagesAsync(kb.Id, None)).ShouldNotContain(c => c.Language == "ja");
    }

    [Fact]
    public async Task An_english_knowledge_base_on_the_built_in_model_has_no_warning_and_an_empty_one_neither()
    {
        var empty = await Knowledge.CreateAsync(new KnowledgeBaseInput("empty-" + Suffix(), null), None);
        var none = await Knowledge.GetLanguagesAsync(empty.Id, None);
        none.Languages.ShouldBeEmpty();
        none.Warning.ShouldBeFalse();
        none.UnservedShare.ShouldBe(0);
        none.DominantUnserved.ShouldBeNull();

        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("english-" + Suffix(), null), None);
        var document = await fixture.Get<KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream("placeholder"u8.ToArray()), "handbook.md", None);
        await Store.ReplaceChunksAsync(document,
        [
            new KnowledgeChunk { Id = Guid.CreateVersion7(), KnowledgeBaseId = kb.Id, DocumentId = document.Id, Ordinal = 0, Text = "Vacation: every employee has 25 days a year.", Embedding = new byte[16], Language = "en" },
            new KnowledgeChunk { Id = Guid.CreateVersion7(), KnowledgeBaseId = kb.Id, DocumentId = document.Id, Ordinal = 1, Text = "休假：每位员工每年有二十五天。", Embedding = new byte[16], Language = "zh" },
        ], None);
        var report = await Knowledge.GetLanguagesAsync(kb.Id, None);
        report.Languages.Select(l => l.Language).ShouldBe(["en", "zh"]);
        report.DominantUnserved.ShouldBe("zh");
        report.UnservedShare.ShouldBeLessThan(0.5);
        report.Warning.ShouldBeFalse();
    }

    [Fact]
    public async Task The_vector_weight_is_validated_and_changing_it_alone_does_not_reindex()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("weight-" + Suffix(), null, VectorWeight: 0.4), None);
        kb.VectorWeight.ShouldBe(0.4);
        var document = await fixture.Get<KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream("The meeting room Orion is on the second floor."u8.ToArray()), "rooms.txt", None);
        await fixture.Get<Core.Jobs.JobRunner>().RunAsync(document.JobId!.Value, None);
        var ready = (await Store.ListDocumentsAsync(kb.Id, None)).Single();
        ready.Status.ShouldBe(DocumentStatus.Ready);

        var updated = await Knowledge.UpdateAsync(kb.Id, new KnowledgeBaseInput(kb.Name, null, VectorWeight: 0.2), None);
        updated.VectorWeight.ShouldBe(0.2);
        (await Knowledge.GetAsync(kb.Id, None)).KnowledgeBase.VectorWeight.ShouldBe(0.2);
        var after = (await Store.ListDocumentsAsync(kb.Id, None)).Single();
        after.Status.ShouldBe(DocumentStatus.Ready, "only chunking or the embedding model re-indexes");
        after.JobId.ShouldBe(ready.JobId);

        (await Knowledge.UpdateAsync(kb.Id, new KnowledgeBaseInput(kb.Name, null), None)).VectorWeight.ShouldBeNull("empty is the default weight");
        foreach (var bad in new[] { -0.1, 1.5, double.NaN })
        {
            var error = await Should.ThrowAsync<ValidationException>(() => Knowledge.UpdateAsync(kb.Id, new KnowledgeBaseInput(kb.Name, null, VectorWeight: bad), None));
            error.MessageKey.ShouldBe("Error.Kb.VectorWeight");
            error.Errors.ShouldContainKey("vectorWeight");
        }

        (await Knowledge.UpdateAsync(kb.Id, new KnowledgeBaseInput(kb.Name, null, ChunkSize: 500), None)).ChunkSize.ShouldBe(500);
        var reindexed = (await Store.ListDocumentsAsync(kb.Id, None)).Single();
        reindexed.JobId.ShouldNotBe(ready.JobId, "a chunking change re-indexes");
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];
}

public sealed class SqliteKnowledgeLanguageTests(SqliteServicesFixture fixture) : KnowledgeLanguageTests<SqliteServicesFixture>(fixture), IClassFixture<SqliteServicesFixture>;

public sealed class PostgresKnowledgeLanguageTests(PostgresServicesFixture fixture) : KnowledgeLanguageTests<PostgresServicesFixture>(fixture), IClassFixture<PostgresServicesFixture>;
