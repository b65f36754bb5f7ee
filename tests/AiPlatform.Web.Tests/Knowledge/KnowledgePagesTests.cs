using AiPlatform.Core.Chat;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Knowledge;
using AiPlatform.Web.Features.Chat;
using AiPlatform.Web.Features.Knowledge;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Knowledge;

public sealed class KnowledgePagesTests : PageTestBase
{
    [Fact]
    public async Task A_knowledge_base_is_created_from_the_list_page_and_chunk_settings_the_service_refuses_are_explained()
    {
        var list = Render<KnowledgeBasesPage>();
        await list.Find("[data-testid=new-kb]").ClickAsync(new());
        list.Find("[data-testid=kb-name]").Change("Handbook");
        list.Find("[data-testid=kb-chunk-size]").Change("10");
        await list.Find("[data-testid=create-kb]").ClickAsync(new());
        (await Get<KnowledgeService>().ListAsync(null, default)).ShouldBeEmpty();

        // The field keeps the size within 100 to 8,000; the default overlap (150) is then more than half of it, and the
        // page shows the service's reason.
        list.Find("input[data-testid=kb-chunk-size]").GetAttribute("value").ShouldBe("100");
        var snackbar = Services.GetRequiredService<MudBlazor.ISnackbar>();
        snackbar.ShownSnackbars.Select(s => s.Message).ShouldBe(["Invalid input: The overlap is 0 to half the chunk size."]);

        // In Chinese too: the page shows the service's refusal in the user's language.
        snackbar.Clear();
        using (InCulture("zh-CN"))
        {
            var chinese = Render<KnowledgeBasesPage>();
            await chinese.Find("[data-testid=new-kb]").ClickAsync(new());
            chinese.Find("[data-testid=kb-name]").Change("手册");
            chinese.Find("[data-testid=kb-chunk-size]").Change("10");
            await chinese.Find("[data-testid=create-kb]").ClickAsync(new());
            snackbar.ShownSnackbars.Select(s => s.Message).ShouldBe(["输入无效：重叠为 0 到分块大小的一半。"]);
        }

        (await Get<KnowledgeService>().ListAsync(null, default)).ShouldBeEmpty();
        list.Find("[data-testid=kb-chunk-size]").Change("800");
        await list.Find("[data-testid=create-kb]").ClickAsync(new());
        var kb = (await Get<KnowledgeService>().ListAsync(null, default)).Single().KnowledgeBase;
        kb.ChunkSize.ShouldBe(800);
        Services.GetRequiredService<NavigationManager>().Uri.ShouldEndWith($"/knowledge/{kb.Id}");
        var again = Render<KnowledgeBasesPage>();
        again.WaitForAssertion(() => again.Find("[data-testid=kb-link]").TextContent.ShouldBe("Handbook"));
    }

    [Fact]
    public async Task The_detail_page_lists_documents_with_their_status_and_the_retrieval_console_shows_ranked_chunks()
    {
        var knowledge = Get<KnowledgeService>();
        var kb = await knowledge.CreateAsync(new KnowledgeBaseInput("Company", null, ChunkSize: 600), default);
        var handbook = await Get<AiPlatform.Core.Knowledge.KnowledgeDocumentService>().UploadAsync(kb.Id, File.OpenRead(KnowledgeDocuments.CorpusFile("handbook.md")), "handbook.md", default);
        await Get<JobRunner>().RunAsync(handbook.JobId!.Value, default);
        var locked = await Get<AiPlatform.Core.Knowledge.KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream(KnowledgeDocuments.EncryptedPdf()), "locked.pdf", default);
        await Get<JobRunner>().RunAsync(locked.JobId!.Value, default);

        var page = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, kb.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=document-status]").Count.ShouldBe(2));
        page.FindAll("[data-testid=document-status]").Select(s => s.GetAttribute("data-status")).ShouldBe(["Ready", "Failed"], ignoreOrder: true);
        page.Find("[data-testid=document-error]").TextContent.ShouldContain("password-protected");

        // The page refreshes itself every second: find and dispatch in one renderer call, so a refresh cannot replace the handler in between.
        await page.InvokeAsync(() => page.FindAll(".mud-tab")[1].Click());
        await page.InvokeAsync(() => page.Find("[data-testid=retrieval-query]").Input("How many days of vacation do I have?"));
        await page.InvokeAsync(() => page.Find("[data-testid=retrieval-search]").ClickAsync(new()));
        page.WaitForAssertion(() => page.FindAll("[data-testid=retrieval-hit]").Count.ShouldBeGreaterThan(0));
        var first = page.FindAll("[data-testid=retrieval-hit]")[0];
        first.TextContent.ShouldContain("25 days");
        first.QuerySelector("[data-testid=hit-document]")!.GetAttribute("href")!.ShouldStartWith($"/knowledge/{kb.Id}/documents/{handbook.Id}?chunk=");
    }

    [Fact]
    public async Task A_citation_link_opens_the_document_with_its_chunk_highlighted()
    {
        var knowledge = Get<KnowledgeService>();
        var kb = await knowledge.CreateAsync(new KnowledgeBaseInput("Docs", null, ChunkSize: 300, ChunkOverlap: 0), default);
        var document = await Get<AiPlatform.Core.Knowledge.KnowledgeDocumentService>().UploadAsync(kb.Id, File.OpenRead(KnowledgeDocuments.CorpusFile("handbook.md")), "handbook.md", default);
        await Get<JobRunner>().RunAsync(document.JobId!.Value, default);

        Services.GetRequiredService<NavigationManager>().NavigateTo($"/knowledge/{kb.Id}/documents/{document.Id}?chunk=2");
        var page = Render<KnowledgeDocumentPage>(p => p.Add(x => x.Id, kb.Id).Add(x => x.DocumentId, document.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=chunk]").Count.ShouldBeGreaterThan(3));
        page.FindAll("[data-testid=chunk]").Single(c => c.GetAttribute("data-selected") == "true").Id.ShouldBe("chunk-2");
        page.Find("[data-testid=document-title]").TextContent.ShouldBe("handbook.md");
    }

    [Fact]
    public async Task The_usage_page_sums_tokens_by_model_and_user()
    {
        var store = Get<IChatStore>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await store.AddUsageAsync(AdminId, "model-a", today, "chat", 100, 50, default);
        await store.AddUsageAsync(AdminId, "model-b", today, "gateway", 10, 5, default);
        var page = Render<UsagePage>();
        page.WaitForAssertion(() => page.Find("[data-testid=usage-total]").TextContent.ShouldBe(165.ToString("N0")));
        page.Find("[data-testid=usage-requests]").TextContent.ShouldBe("2");
        page.Find("[data-testid=usage-by-model]").TextContent.ShouldContain("model-a");
        page.Find("[data-testid=usage-by-user]").TextContent.ShouldContain("admin");
        page.Find("[data-testid=my-quota]").TextContent.ShouldContain(165.ToString("N0"));
    }
}
