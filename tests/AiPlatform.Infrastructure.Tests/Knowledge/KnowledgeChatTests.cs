using System.Text.Json;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>Chat over knowledge bases, side-by-side answers, templates and provider embeddings, against the llama.cpp peer.</summary>
public sealed class KnowledgeChatTests(SqliteServicesFixture fixture, LlmPeer llm) : IClassFixture<SqliteServicesFixture>, IClassFixture<LlmPeer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private ChatService Chat => fixture.Get<ChatService>();

    private KnowledgeService Knowledge => fixture.Get<KnowledgeService>();

    private KnowledgeDocumentService Documents => fixture.Get<KnowledgeDocumentService>();

    private KnowledgeRetrievalService Retrieval => fixture.Get<KnowledgeRetrievalService>();

    [Fact]
    public async Task An_answer_carries_the_chunks_it_was_given_as_citations_and_without_knowledge_bases_there_are_none()
    {
        var model = await ModelAsync();
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("chat-kb-" + Suffix(), null, ChunkSize: 200, ChunkOverlap: 0), None);
        var document = await Documents.UploadAsync(kb.Id, File.OpenRead(KnowledgeDocuments.CorpusFile("handbook.md")), "handbook.md", None);
        await fixture.Get<JobRunner>().RunAsync(document.JobId!.Value, None);

        var plain = await Chat.CreateAsync(model.Name, null, null, None);
        var without = await Chat.SendAsync(plain.Id, "How many vacation days do I get?", null, null, None);
        without.Citations.ShouldBeNull();

        var grounded = await Chat.CreateAsync(model.Name, null, null, [kb.Id], None);
        grounded.KnowledgeBaseIds.ShouldBe([kb.Id]);
        var answer = await Chat.SendAsync(grounded.Id, "How many vacation days do I get?", null, null, None);
        answer.Status.ShouldBe(MessageStatus.Complete, answer.Error);
        var citations = JsonSerializer.Deserialize<List<Citation>>(answer.Citations!, JsonSerializerOptions.Web)!;
        citations.Count.ShouldBeInRange(1, ChatService.SourcesPerAnswer);
        citations[0].Index.ShouldBe(1);
        citations.ShouldContain(c => c.DocumentId == document.Id && c.Heading == "Employee handbook > Vacation" && c.Snippet.Contains("25 days"));
        answer.PromptTokens.ShouldBeGreaterThan(without.PromptTokens + 20, "the sources were sent to the model");

        // Detaching the knowledge base stops citing; a knowledge base the user cannot read cannot be attached.
        await Chat.UpdateAsync(grounded.Id, null, null, null, [], None);
        (await Chat.GetAsync(grounded.Id, None)).Conversation.KnowledgeBaseIds.ShouldBeEmpty();
        await Should.ThrowAsync<NotFoundException>(() => Chat.UpdateAsync(grounded.Id, null, null, null, [Guid.NewGuid()], None));
    }

    [Fact]
    public async Task Two_models_answer_the_same_prompt_side_by_side_and_only_the_first_continues_the_conversation()
    {
        var first = await ModelAsync();
        var second = await ModelAsync();
        var conversation = await Chat.CreateAsync(first.Name, null, null, None);
        var sides = new HashSet<int>();
        var answers = await Chat.SendToModelsAsync(conversation.Id, "Say hello.", [null, second.Name], (side, _) => { lock (sides) { sides.Add(side); } return ValueTask.CompletedTask; }, None);

        answers.Select(a => a.Model).ShouldBe([first.Name, second.Name]);
        answers.ShouldAllBe(a => a.Status == MessageStatus.Complete);
        answers[1].Alternate.ShouldBeTrue();
        sides.ShouldBe([0, 1], ignoreOrder: true);
        await Should.ThrowAsync<ValidationException>(() => Chat.SendToModelsAsync(conversation.Id, "Again", [first.Name, first.Name], null, None));

        var next = await Chat.SendAsync(conversation.Id, "And now?", null, null, None);
        next.Status.ShouldBe(MessageStatus.Complete);
        (await Chat.GetAsync(conversation.Id, None)).Messages.Select(m => (m.Role, m.Alternate)).ShouldBe([("user", false), ("assistant", false), ("assistant", true), ("user", false), ("assistant", false)]);
    }

    [Fact]
    public async Task Prompt_templates_are_private_unless_shared_and_only_their_owner_changes_them()
    {
        var templates = fixture.Get<PromptTemplateService>();
        var mine = await templates.CreateAsync(new PromptTemplateInput("Summarize", "Summarize the following text in three bullet points:"), None);
        var shared = await templates.CreateAsync(new PromptTemplateInput("Translate " + Suffix(), "Translate to Chinese:", Shared: true), None);
        await Should.ThrowAsync<AlreadyExistsException>(() => templates.CreateAsync(new PromptTemplateInput("Summarize", "x"), None));
        await Should.ThrowAsync<ValidationException>(() => templates.CreateAsync(new PromptTemplateInput("Empty", " "), None));

        var other = await fixture.CreateUserAsync("templ-" + Suffix(), Core.Access.SystemRoles.DataAnalyst);
        await fixture.As(other, async () =>
        {
            var visible = await templates.ListAsync(None);
            visible.ShouldContain(t => t.Id == shared.Id);
            visible.ShouldNotContain(t => t.Id == mine.Id);
            await Should.ThrowAsync<Core.Access.ForbiddenException>(() => templates.UpdateAsync(shared.Id, new PromptTemplateInput("Hijack", "x", true), None));
            await Should.ThrowAsync<NotFoundException>(() => templates.DeleteAsync(mine.Id, None));
        });

        (await templates.UpdateAsync(mine.Id, new PromptTemplateInput("Summarize", "Summarize briefly:"), None)).Content.ShouldBe("Summarize briefly:");
        await templates.DeleteAsync(mine.Id, None);
        (await templates.ListAsync(None)).ShouldNotContain(t => t.Id == mine.Id);
    }

    [Fact]
    public async Task A_knowledge_base_can_embed_with_a_providers_model_instead_of_the_built_in_one()
    {
        var model = await ModelAsync();
        var kb = await Knowledge.CreateAsync(new KnowledgeBaseInput("remote-" + Suffix(), null, ChunkSize: 300, EmbeddingModel: model.Name, RelevanceThreshold: 0), None);
        kb.EmbeddingModel.ShouldBe(model.Name);
        var document = await Documents.UploadAsync(kb.Id, new MemoryStream("The archive room is on the third floor, next to the elevators."u8.ToArray()), "rooms.txt", None);
        await fixture.Get<JobRunner>().RunAsync(document.JobId!.Value, None);
        (await Documents.ListDocumentsAsync(kb.Id, None)).Single().Status.ShouldBe(DocumentStatus.Ready);

        // The peer's embeddings are as random as its weights: the plumbing is what is checked, and keywords still find the text.
        var hits = (await Retrieval.SearchAsync(kb.Id, "archive room floor", 3, RetrievalMode.Hybrid, 0, null, None)).Hits;
        hits.Single().Text.ShouldContain("third floor");
        (await Documents.GetDocumentAsync(kb.Id, document.Id, None)).Chunks.Single().Embedding.Length.ShouldBe(64 * sizeof(float));

        // An unknown model reads like one the caller may not use: no oracle for model names.
        (await Should.ThrowAsync<AiPlatform.Core.Access.ForbiddenException>(() => Knowledge.CreateAsync(new KnowledgeBaseInput("bad-" + Suffix(), null, EmbeddingModel: "no-such-model"), None))).Message.ShouldContain("may use");
    }

    [Fact]
    public async Task A_model_a_user_may_not_chat_with_cannot_embed_for_them_and_embedding_tokens_count_in_usage_and_quota()
    {
        var model = await ModelAsync();
        await fixture.Get<ProviderService>().SetModelAsync(model.Id, true, false, model.ContextTokens, None);
        var user = await fixture.CreateUserAsync("embedder" + Suffix(), AiPlatform.Core.Access.SystemRoles.AppBuilder);

        // At create: the restricted model is refused (403), the built-in one is fine.
        await fixture.As(user, async () =>
        {
            var refused = await Should.ThrowAsync<AiPlatform.Core.Access.ForbiddenException>(() => Knowledge.CreateAsync(new KnowledgeBaseInput("stolen-" + Suffix(), null, EmbeddingModel: model.Name), None));
            refused.Message.ShouldContain(model.Name);
        });

        // At ingestion: a knowledge base the administrator set up with the model, shared for writing, does not embed
        // through it for the user.
        var shared = await Knowledge.CreateAsync(new KnowledgeBaseInput("shared-" + Suffix(), null, EmbeddingModel: model.Name), None);
        await fixture.Get<AiPlatform.Core.Access.SharingService>().GrantAsync(KnowledgeService.ObjectTypeName, shared.Id, AiPlatform.Core.Access.PrincipalType.User, user.Id, AiPlatform.Core.Access.PermissionLevel.Write, None);
        KnowledgeDocument upload = default!;
        await fixture.As(user, async () => upload = await Documents.UploadAsync(shared.Id, new MemoryStream("Room 12 holds the archive."u8.ToArray()), "rooms.txt", None));
        await fixture.Get<JobRunner>().RunAsync(upload.JobId!.Value, None);
        var failed = (await Documents.ListDocumentsAsync(shared.Id, None)).Single();
        failed.Status.ShouldBe(DocumentStatus.Failed);
        failed.Error!.ShouldContain("may use");
        await fixture.As(user, async () => await Should.ThrowAsync<AiPlatform.Core.Access.ForbiddenException>(() => Retrieval.SearchAsync(shared.Id, "archive", 3, RetrievalMode.Hybrid, 0, null, None)));
        var usage = fixture.Get<IChatStore>();
        (await usage.ListUsageAsync(DateOnly.FromDateTime(DateTime.UtcNow), user.Id, None)).ShouldBeEmpty();

        // Granted: ingestion embeds, and its tokens are the user's.
        await fixture.Get<AiPlatform.Core.Access.SharingService>().GrantAsync(AiPlatform.Core.Access.SecurableTypes.LlmModel, model.Id, AiPlatform.Core.Access.PrincipalType.User, user.Id, AiPlatform.Core.Access.PermissionLevel.Read, None);
        await fixture.As(user, async () => upload = await Documents.UploadAsync(shared.Id, new MemoryStream("Room 12 holds the archive, and room 14 the printers."u8.ToArray()), "rooms.txt", None));
        await fixture.Get<JobRunner>().RunAsync(upload.JobId!.Value, None);
        (await Documents.ListDocumentsAsync(shared.Id, None)).Single().Status.ShouldBe(DocumentStatus.Ready);
        var rows = (await usage.ListUsageAsync(DateOnly.FromDateTime(DateTime.UtcNow), user.Id, None)).Where(u => u.Model == model.Name && u.Source == EmbedderFactory.UsageSource).ToList();
        rows.ShouldNotBeEmpty();
        rows.Sum(r => r.PromptTokens).ShouldBeGreaterThan(0);

        // Out of tokens: ingestion stops with the reason, and so does a question.
        await fixture.Get<ChatUsageService>().SetQuotaAsync(AiPlatform.Core.Access.PrincipalType.User, user.Id, 1, None);
        await fixture.As(user, async () => upload = await Documents.UploadAsync(shared.Id, new MemoryStream("Room 16 is new."u8.ToArray()), "more.txt", None));
        await fixture.Get<JobRunner>().RunAsync(upload.JobId!.Value, None);
        var blocked = (await Documents.ListDocumentsAsync(shared.Id, None)).Single(d => d.FileName == "more.txt");
        blocked.Status.ShouldBe(DocumentStatus.Failed);
        blocked.Error!.ShouldContain("quota");
        await fixture.As(user, async () => await Should.ThrowAsync<QuotaExceededException>(() => Retrieval.SearchAsync(shared.Id, "archive", 3, RetrievalMode.Hybrid, 0, null, None)));
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private async Task<LlmModel> ModelAsync()
    {
        var providers = fixture.Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput("llama-" + Suffix(), llm.BaseUrl, LlmPeer.ApiKey), None);
        var model = (await providers.SyncModelsAsync(provider.Id, None)).Single(m => m.ModelId == LlmPeer.Model);
        return await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, None);
    }
}
