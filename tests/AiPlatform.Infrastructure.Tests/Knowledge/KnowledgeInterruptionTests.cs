using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>A document whose ingestion died with its process does not stay "Processing".</summary>
public sealed class KnowledgeInterruptionTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private KnowledgeService Knowledge => fixture.Get<KnowledgeService>();

    private KnowledgeDocumentService Documents => fixture.Get<KnowledgeDocumentService>();

    [Fact]
    public async Task An_interrupted_ingestion_shows_the_document_waiting_again_and_one_being_cancelled_failed_with_the_reason()
    {
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("interrupted-" + Guid.NewGuid().ToString("N")[..6], null), None);
        var requeued = await Documents.UploadAsync(kb.Id, new MemoryStream("The rooftop garden opens at nine."u8.ToArray()), "garden.txt", None);
        var cancelled = await Documents.UploadAsync(kb.Id, new MemoryStream("The bicycle room is in the basement."u8.ToArray()), "bikes.txt", None);
        var store = fixture.Get<IJobStore>();
        var dead = new JobNode("node-dead", Guid.NewGuid());
        foreach (var document in new[] { requeued, cancelled })
        {
            (await store.TryStartAsync(document.JobId!.Value, dead, DateTimeOffset.UtcNow, None)).ShouldBeTrue();
            await fixture.Get<IKnowledgeStore>().UpdateProgressAsync(document.Id, DocumentStatus.Processing, 0.4, null, None);
        }

        await store.RequestCancelAsync(cancelled.JobId!.Value, DateTimeOffset.UtcNow, null, None);
        var restarted = new JobSettings(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), new JobNode(dead.Id, Guid.NewGuid()), SettleUnownedAtStart: false);
        await new JobRecovery(store, fixture.Dispatcher, fixture.Get<JobHandlerRegistry>(), restarted, TimeProvider.System, NullLogger<JobRecovery>.Instance).RecoverAsync(None);

        var waiting = (await Documents.GetDocumentAsync(kb.Id, requeued.Id, None)).Document;
        waiting.Status.ShouldBe(DocumentStatus.Pending);
        waiting.Progress.ShouldBe(0);
        (await store.FindAsync(requeued.JobId!.Value, None))!.Status.ShouldBe(JobStatus.Queued);
        var failed = (await Documents.GetDocumentAsync(kb.Id, cancelled.Id, None)).Document;
        failed.Status.ShouldBe(DocumentStatus.Failed);
        failed.Error.ShouldBe("Ingestion was interrupted (node node-dead restarted); re-index the document.");

        await fixture.Get<JobRunner>().RunAsync(requeued.JobId!.Value, None);
        (await Documents.GetDocumentAsync(kb.Id, requeued.Id, None)).Document.Status.ShouldBe(DocumentStatus.Ready);
    }
}
