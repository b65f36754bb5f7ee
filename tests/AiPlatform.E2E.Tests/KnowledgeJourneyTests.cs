using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>An app builder fills a knowledge base, checks retrieval, asks a question in chat and follows a citation to its source.</summary>
public sealed class KnowledgeJourneyTests(BrowserFixture fixture, LlmPeer llm) : IClassFixture<BrowserFixture>, IClassFixture<LlmPeer>
{
    private static string Corpus(string name) => Path.Combine(AppContext.BaseDirectory, "Knowledge", "Corpus", name);

    [Fact]
    public async Task A_user_uploads_documents_tests_retrieval_and_follows_a_chat_citation_to_its_chunk()
    {
        using var api = fixture.CreateAdminApiClient();
        var provider = JsonDocument.Parse(await (await api.PostAsJsonAsync("/api/v1/llm/providers", new { name = "local-llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey })).Content.ReadAsStringAsync()).RootElement;
        var model = JsonDocument.Parse(await (await api.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement[0];
        (await api.PutAsJsonAsync($"/api/v1/llm/models/{model.GetProperty("id").GetGuid()}", new { enabled = true, openToAll = true, contextTokens = model.GetProperty("contextTokens").GetInt32() })).EnsureSuccessStatusCode();

        // Create the knowledge base and upload two documents from the page.
        var page = await fixture.OpenAsync("/knowledge");
        await page.Locator("[data-testid=new-kb]").ClickAsync();
        await page.Locator("input[data-testid=kb-name]").FillAsync("Company handbook");
        await page.Locator("[data-testid=create-kb]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=kb-title]")).ToHaveTextAsync("Company handbook");
        var kbId = Guid.Parse(page.Url.Split('/').Last());
        await BrowserFixture.PickFilesAsync(page.Locator("input[type=file]"), Corpus("handbook.md"), Corpus("solar-system.html"));
        await Assertions.Expect(page.Locator("[data-testid=document-status][data-status=Ready]")).ToHaveCountAsync(2, new() { Timeout = 120_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "knowledge-base.png"), FullPage = true });

        // The retrieval console shows which chunk a question finds and why.
        await page.Locator(".mud-tab", new() { HasText = "Retrieval test" }).ClickAsync();
        await page.Locator("input[data-testid=retrieval-query]").FillAsync("Which planet is the hottest?");
        await page.Locator("[data-testid=retrieval-search]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=retrieval-hit]").First).ToContainTextAsync("Venus");
        await Assertions.Expect(page.Locator("[data-testid=retrieval-ranking][data-strategy=Fused]")).ToContainTextAsync("the keyword and vector rankings are fused");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "knowledge-retrieval.png"), FullPage = true });

        // Chat over the knowledge base: the answer lists its sources; a source opens the document at its chunk.
        var conversation = JsonDocument.Parse(await (await api.PostAsJsonAsync("/api/v1/conversations", new { model = LlmPeer.Model, knowledgeBases = new[] { kbId } })).Content.ReadAsStringAsync()).RootElement;
        await page.GotoAsync($"{fixture.BaseUrl}/chat/{conversation.GetProperty("id").GetGuid()}");
        await BrowserFixture.WaitForCircuitAsync(page, "/chat");
        await page.Locator("textarea[data-testid=chat-input]").FillAsync("How many vacation days do I get?");
        await page.Locator("textarea[data-testid=chat-input]").PressAsync("Tab");
        await page.Locator("[data-testid=send]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=message][data-role=assistant]")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        var citation = page.Locator("[data-testid=citation]", new() { HasText = "Vacation" });
        await Assertions.Expect(citation).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "chat-citations.png"), FullPage = true });
        await citation.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=chunk][data-selected=true]")).ToContainTextAsync("25 days");

        var usage = await fixture.OpenAsync("/usage");
        await Assertions.Expect(usage.Locator("[data-testid=usage-by-model]")).ToContainTextAsync(LlmPeer.Model);
        await Assertions.Expect(usage.Locator("[data-testid=usage-chart] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await usage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "llm-usage.png"), FullPage = true });

        // The administrator's view of the provider: its model, enabled, with the context window read from the server.
        await usage.GotoAsync($"{fixture.BaseUrl}/admin/llm");
        await BrowserFixture.WaitForCircuitAsync(usage, "/admin/llm");
        await Assertions.Expect(usage.Locator("input[data-testid=model-context]")).ToHaveValueAsync("512");
        await usage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "llm-providers.png"), FullPage = true });
    }
}
