using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>Knowledge bases end to end with the real MiniLM model: ingestion of every format, retrieval quality, failures, permissions.</summary>
public abstract class KnowledgeTests<TFixture>(TFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Questions in other words than the text, and the heading of the chunk that answers them.</summary>
    public static readonly (string Question, string Heading)[] SemanticQuestions =
    [
        ("How many days off do I get each year?", "Employee handbook > Vacation"),
        ("I have the flu, when do I need a note from a physician?", "Employee handbook > Sick leave"),
        ("How much can I spend on food when travelling for work?", "Employee handbook > Expense reports"),
        ("Can I do my job from my apartment?", "Employee handbook > Remote work"),
        ("My computer is broken, how do I get a new one?", "Employee handbook > Laptops and equipment"),
        ("I lost the card that opens the building, what should I do?", "Employee handbook > Security badges"),
        ("How long can I stay home after my baby is born?", "Employee handbook > Parental leave"),
        ("Which planet is the hottest?", "The solar system > Venus"),
        ("Which planet has rings of ice?", "The solar system > Saturn"),
        ("Why is Mars red?", "The solar system > Mars"),
        ("How often must the coffee machine be descaled?", "Page 1"),
        ("Where can staff park their bicycles?", "Bicycle parking"),
    ];

    /// <summary>Questions that name an error code: the words around every code are nearly the same, the code is the key.</summary>
    public static readonly (string Question, string Heading)[] KeywordQuestions =
    [
        ("What does E1041 mean?", "Storage client error codes > E1041"),
        ("What does E1043 mean?", "Storage client error codes > E1043"),
        ("What does E1044 mean?", "Storage client error codes > E1044"),
        ("What does E1046 mean?", "Storage client error codes > E1046"),
        ("What does E1047 mean?", "Storage client error codes > E1047"),
        ("What does E1048 mean?", "Storage client error codes > E1048"),
        ("What does E1050 mean?", "Storage client error codes > E1050"),
        ("What does E1052 mean?", "Storage client error codes > E1052"),
    ];

    private KnowledgeService Knowledge => fixture.Get<KnowledgeService>();

    private KnowledgeDocumentService Documents => fixture.Get<KnowledgeDocumentService>();

    private KnowledgeRetrievalService Retrieval => fixture.Get<KnowledgeRetrievalService>();

    [Fact]
    public async Task Txt_md_html_pdf_and_docx_are_ingested_by_headings_and_hybrid_retrieval_finds_the_right_chunk_in_the_top_3()
    {
        var kb = await CorpusAsync();
        var documents = await Documents.ListDocumentsAsync(kb.Id, None);
        documents.Count.ShouldBe(5);
        documents.ShouldAllBe(d => d.Status == DocumentStatus.Ready && d.ChunkCount > 0 && d.Progress == 1);

        var html = documents.Single(d => d.FileName == "solar-system.html");
        var chunks = (await Documents.GetDocumentAsync(kb.Id, html.Id, None)).Chunks;
        chunks.ShouldContain(c => c.Heading == "The solar system > Jupiter" && c.Text.Contains("Ganymede"));
        chunks.ShouldAllBe(c => !c.Text.Contains("tracking") && !c.Text.Contains("About"), "scripts and navigation are not text");

        var recall = await RecallAt3Async(kb, SemanticQuestions, RetrievalMode.Hybrid);
        output.WriteLine($"semantic recall@3: hybrid {recall:P0}, vector {await RecallAt3Async(kb, SemanticQuestions, RetrievalMode.Vector):P0}, keyword {await RecallAt3Async(kb, SemanticQuestions, RetrievalMode.Keyword):P0}");
        recall.ShouldBeGreaterThanOrEqualTo(0.9);
        var hit = (await Retrieval.SearchAsync(kb.Id, "Which planet is the hottest?", 3, RetrievalMode.Hybrid, null, null, None)).Hits[0];
        hit.DocumentName.ShouldBe("solar-system.html");
        hit.Similarity.ShouldBeGreaterThan(0.3);
        hit.VectorRank.ShouldNotBeNull();
    }

    [Fact]
    public async Task Hybrid_retrieval_beats_vector_only_on_questions_that_hinge_on_a_keyword()
    {
        var kb = await CorpusAsync();
        var vector = await RecallAt3Async(kb, KeywordQuestions, RetrievalMode.Vector);
        var hybrid = await RecallAt3Async(kb, KeywordQuestions, RetrievalMode.Hybrid);
        output.WriteLine($"keyword-question recall@3: hybrid {hybrid:P0}, vector {vector:P0}, keyword {await RecallAt3Async(kb, KeywordQuestions, RetrievalMode.Keyword):P0}");
        hybrid.ShouldBeGreaterThan(vector);
        hybrid.ShouldBeGreaterThanOrEqualTo(0.9);

        // The threshold drops what is not similar enough, except strong keyword hits (BM25 at least half the best): at 0.99
        // only those remain, the E1043 section first; a question no keyword matches keeps nothing. Keyword mode ignores it.
        var loose = (await Retrieval.SearchAsync(kb.Id, "What does E1043 mean?", 5, RetrievalMode.Hybrid, 0, null, None)).Hits;
        var strict = (await Retrieval.SearchAsync(kb.Id, "What does E1043 mean?", 5, RetrievalMode.Hybrid, 0.99, null, None)).Hits;
        strict.ShouldNotBeEmpty();
        strict[0].Heading.ShouldBe("Storage client error codes > E1043");
        strict.ShouldAllBe(h => h.KeywordRank != null && h.VectorUsed && h.Similarity < 0.99, "kept for their keywords, not their cosine");
        strict.Count.ShouldBeLessThan(loose.Count, "the weak hits are dropped");
        (await Retrieval.SearchAsync(kb.Id, "Do flamingos enjoy kayaking?", 5, RetrievalMode.Hybrid, 0, null, None)).Hits.ShouldNotBeEmpty();
        (await Retrieval.SearchAsync(kb.Id, "Do flamingos enjoy kayaking?", 5, RetrievalMode.Hybrid, 0.99, null, None)).Hits.ShouldBeEmpty();
        (await Retrieval.SearchAsync(kb.Id, "E1043", 5, RetrievalMode.Keyword, 0.99, null, None)).Hits[0].Heading.ShouldBe("Storage client error codes > E1043");
    }

    [Fact]
    public async Task A_corrupt_or_password_protected_pdf_fails_with_the_reason_and_leaves_the_rest_untouched()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("broken-" + Suffix(), null), None);
        await UploadAsync(kb, "handbook.md", File.ReadAllBytes(KnowledgeDocuments.CorpusFile("handbook.md")));
        var corrupt = await UploadAsync(kb, "corrupt.pdf", "%PDF-1.7\nthis is not really a pdf at all"u8.ToArray());
        var locked = await UploadAsync(kb, "locked.pdf", KnowledgeDocuments.EncryptedPdf());
        var notWord = await UploadAsync(kb, "fake.docx", "just text"u8.ToArray());

        var documents = (await Documents.ListDocumentsAsync(kb.Id, None)).ToDictionary(d => d.Id);
        documents[corrupt.Id].Status.ShouldBe(DocumentStatus.Failed);
        documents[corrupt.Id].Error!.ShouldContain("PDF cannot be read");
        documents[locked.Id].Status.ShouldBe(DocumentStatus.Failed);
        documents[locked.Id].Error!.ShouldContain("password-protected");
        documents[notWord.Id].Error!.ShouldContain("Word");
        documents.Values.Single(d => d.FileName == "handbook.md").Status.ShouldBe(DocumentStatus.Ready);
        (await Retrieval.SearchAsync(kb.Id, "How many vacation days?", 3, RetrievalMode.Hybrid, null, null, None)).Hits.ShouldNotBeEmpty();

        await Should.ThrowAsync<ValidationException>(() => Documents.UploadAsync(kb.Id, new MemoryStream([1, 2]), "image.png", None));
        await Should.ThrowAsync<ValidationException>(() => Documents.UploadAsync(kb.Id, new MemoryStream(), "empty.txt", None));
        await Should.ThrowAsync<ValidationException>(() => Knowledge.UpdateAsync(kb.Id, new KnowledgeBaseInput(kb.Name, null, ChunkSize: 10), None));
    }

    [Fact]
    public async Task A_changed_document_is_reindexed_and_deleting_it_removes_its_chunks_and_files()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("changing-" + Suffix(), null, ChunkSize: 300, ChunkOverlap: 50), None);
        var first = await UploadAsync(kb, "notes.txt", "The quarterly planning meeting is on Tuesday in room Orion."u8.ToArray());
        (await Retrieval.SearchAsync(kb.Id, "Where is the planning meeting?", 1, RetrievalMode.Hybrid, 0, null, None)).Hits[0].Text.ShouldContain("Orion");

        var same = await Documents.UploadAsync(kb.Id, new MemoryStream("The quarterly planning meeting is on Tuesday in room Orion."u8.ToArray()), "notes.txt", None);
        same.Id.ShouldBe(first.Id);
        same.Status.ShouldBe(DocumentStatus.Ready, "the same content is not indexed again");

        var second = await UploadAsync(kb, "notes.txt", "The quarterly planning meeting moved to Thursday in room Vega."u8.ToArray());
        second.Id.ShouldBe(first.Id);
        var hits = (await Retrieval.SearchAsync(kb.Id, "Where is the planning meeting?", 5, RetrievalMode.Hybrid, 0, null, None)).Hits;
        hits.Single().Text.ShouldContain("Vega");
        var objects = fixture.Get<IObjectStore>();
        (await ListAsync(objects, $"knowledge/{kb.Id:N}/{first.Id:N}/")).Count.ShouldBe(1, "the previous file is gone");

        await Documents.DeleteDocumentAsync(kb.Id, first.Id, None);
        (await Retrieval.SearchAsync(kb.Id, "Where is the planning meeting?", 5, RetrievalMode.Hybrid, 0, null, None)).Hits.ShouldBeEmpty();
        (await ListAsync(objects, $"knowledge/{kb.Id:N}/")).ShouldBeEmpty();

        await Knowledge.DeleteAsync(kb.Id, None);
        await Should.ThrowAsync<NotFoundException>(() => Knowledge.GetAsync(kb.Id, None));
    }

    [Fact]
    public async Task Another_user_sees_nothing_until_granted_read_and_read_does_not_allow_uploading()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("private-" + Suffix(), null), None);
        await UploadAsync(kb, "secret.txt", "The launch code of project Falcon is 7781."u8.ToArray());
        var other = await fixture.CreateUserAsync("kb-reader-" + Suffix(), SystemRoles.AppBuilder);

        await fixture.As(other, async () =>
        {
            (await Knowledge.ListAsync(null, None)).ShouldNotContain(s => s.KnowledgeBase.Id == kb.Id);
            await Should.ThrowAsync<NotFoundException>(() => Retrieval.SearchAsync(kb.Id, "launch code", 3, RetrievalMode.Hybrid, null, null, None));
            (await Retrieval.RetrieveAsync([kb.Id], "What is the launch code of Falcon?", 3, None)).ShouldBeEmpty();
        });

        await fixture.Get<SharingService>().GrantAsync(SecurableTypes.KnowledgeBase, kb.Id, PrincipalType.User, other.Id, PermissionLevel.Read, None);
        await fixture.As(other, async () =>
        {
            (await Retrieval.RetrieveAsync([kb.Id], "What is the launch code of Falcon?", 3, None)).Single().Text.ShouldContain("7781");
            await Should.ThrowAsync<ForbiddenException>(() => Documents.UploadAsync(kb.Id, new MemoryStream("x"u8.ToArray()), "mine.txt", None));
            await Should.ThrowAsync<ForbiddenException>(() => Knowledge.DeleteAsync(kb.Id, None));
        });
    }

    [Fact]
    public async Task The_index_is_persisted_and_a_new_process_answers_from_the_snapshot()
    {
        var kb = await CorpusAsync();
        var expected = (await Retrieval.SearchAsync(kb.Id, "Why is Mars red?", 3, RetrievalMode.Hybrid, null, null, None)).Hits;
        var snapshots = fixture.Get<IIndexSnapshotStore>();
        var external = fixture.Get<KnowledgeIndexCache>().External;
        using (var stream = snapshots.OpenRead(kb.Id))
        {
            (stream is not null).ShouldBe(external is null, "the graph is written to a snapshot unless vectors live in an external store");
        }

        // A fresh cache (as after a restart) loads the graph from the snapshot (or asks the external store); results are the same.
        var fresh = new KnowledgeIndexCache(snapshots, NullLogger<KnowledgeIndexCache>.Instance, external is null ? null : [external]);
        var current = (await Knowledge.GetAsync(kb.Id, None)).KnowledgeBase;
        var index = await fresh.GetAsync(current, fixture.Get<IKnowledgeStore>(), 384, None);
        index.Count.ShouldBe((await Documents.ListDocumentsAsync(kb.Id, None)).Sum(d => d.ChunkCount));
        var query = (await fixture.Get<ILocalEmbedder>().EmbedAsync(["Why is Mars red?"], None))[0];
        (await index.SearchAsync(query, "Why is Mars red?", 3, RetrievalMode.Hybrid, EmbeddingLanguages.BuiltIn, TextLanguage.English, HybridFusion.DefaultVectorWeight, None)).Take(3).Select(h => h.ChunkId).ShouldBe(expected.Select(h => h.ChunkId));
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private async Task<KnowledgeBase> CorpusAsync()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("corpus-" + Suffix(), "Test corpus", ChunkSize: 600, ChunkOverlap: 80), None);
        foreach (var name in new[] { "handbook.md", "error-codes.md", "solar-system.html" })
        {
            await UploadAsync(kb, name, File.ReadAllBytes(KnowledgeDocuments.CorpusFile(name)));
        }

        await UploadAsync(kb, "kitchen.pdf", KnowledgeDocuments.Pdf("Coffee machine care: the coffee machine in the kitchen is descaled every second Monday by the facilities team. Empty the grounds container every evening."));
        await UploadAsync(kb, "building.docx", KnowledgeDocuments.Docx(
            ("Bicycle parking", "Staff bicycles go in the locked shed behind the building; the code is at reception."),
            ("Fire drills", "A fire drill happens twice a year. Leave by the nearest stairs and meet at the fountain.")));
        return kb;
    }

    private async Task<KnowledgeDocument> UploadAsync(KnowledgeBase kb, string name, byte[] content)
    {
        var document = await Documents.UploadAsync(kb.Id, new MemoryStream(content), name, None);
        await fixture.Get<JobRunner>().RunAsync(document.JobId!.Value, None);
        return document;
    }

    private async Task<double> RecallAt3Async(KnowledgeBase kb, (string Question, string Heading)[] questions, RetrievalMode mode)
    {
        var found = 0;
        foreach (var (question, heading) in questions)
        {
            var hits = (await Retrieval.SearchAsync(kb.Id, question, 3, mode, 0, null, None)).Hits;
            found += hits.Any(h => h.Heading == heading) ? 1 : 0;
        }

        return (double)found / questions.Length;
    }

    private static async Task<List<StoredObject>> ListAsync(IObjectStore objects, string prefix)
    {
        var list = new List<StoredObject>();
        await foreach (var o in objects.ListAsync(prefix, None))
        {
            list.Add(o);
        }

        return list;
    }
}

public sealed class SqliteKnowledgeTests(SqliteServicesFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : KnowledgeTests<SqliteServicesFixture>(fixture, output), IClassFixture<SqliteServicesFixture>;

public sealed class PostgresKnowledgeTests(PostgresServicesFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : KnowledgeTests<PostgresServicesFixture>(fixture, output), IClassFixture<PostgresServicesFixture>;

public sealed class PgvectorKnowledgeTests(PgvectorServicesFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : KnowledgeTests<PgvectorServicesFixture>(fixture, output), IClassFixture<PgvectorServicesFixture>;
