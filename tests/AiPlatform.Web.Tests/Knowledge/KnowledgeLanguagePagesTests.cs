using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Knowledge;
using AiPlatform.Web.Features.Chat;
using AiPlatform.Web.Features.Knowledge;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Knowledge;

/// <summary>The knowledge-base page's language warning and model switch, and the embedding languages on Admin › LLM providers.</summary>
public sealed class KnowledgeLanguagePagesTests(LlmPeer llm) : PageTestBase, IClassFixture<LlmPeer>
{
    [Fact]
    public async Task A_chinese_knowledge_base_on_minilm_warns_in_the_ui_language_and_an_english_one_does_not()
    {
        var chinese = await KnowledgeBaseAsync("中文手册", "handbook.md", Encoding.UTF8.GetBytes(KnowledgeLanguageApiTests.ChineseHandbook));
        var english = await KnowledgeBaseAsync("Handbook", "handbook.md", File.ReadAllBytes(KnowledgeDocuments.CorpusFile("handbook.md")));

        var page = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, chinese.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=kb-language-warning]"));
        var warning = page.Find("[data-testid=kb-language-warning]").TextContent;
        warning.ShouldContain("of this knowledge base's text is Chinese, but its embedding model local:all-MiniLM-L6-v2 serves English. ", Case.Sensitive, "the model is named as the header chip names it");
        warning.ShouldContain("Hybrid search ranks by keywords");
        page.Find("[data-testid=kb-language-no-suggestion]").TextContent.ShouldContain("bge-m3", customMessage: "no model the admin may use serves Chinese: the page says how to add one");
        page.Find("[data-testid=kb-language-no-suggestion]").TextContent.ShouldContain("or record the languages an existing model serves in the Embedding languages column", customMessage: "or how to make an existing one count");
        page.FindAll("[data-testid=switch-embedding]").ShouldBeEmpty();
        page.Find("[data-testid=kb-language][data-language=zh]").TextContent.ShouldStartWith("Chinese ");
        await page.InvokeAsync(() => page.FindAll(".mud-tab")[2].Click());
        page.WaitForAssertion(() => page.Find("[data-testid=kb-embedding-languages]").TextContent.ShouldBe("Serves English (built-in model)."));
        page.Find("input[data-testid=kb-vector-weight]").GetAttribute("placeholder").ShouldBe(HybridFusion.DefaultVectorWeight.ToString(System.Globalization.CultureInfo.CurrentCulture));

        using (InCulture("zh-CN"))
        {
            var zh = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, chinese.Id));
            zh.WaitForAssertion(() => zh.Find("[data-testid=kb-language-warning]").TextContent.ShouldContain("的文本是中文，但其嵌入模型 local:all-MiniLM-L6-v2 支持的是英文。"));
            zh.Find("[data-testid=kb-language][data-language=zh]").TextContent.ShouldStartWith("中文 ");
            zh.Find("[data-testid=kb-language-no-suggestion]").TextContent.ShouldContain("也可以在该页的“嵌入语言”列中记录现有模型支持的语言");
        }

        var plain = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, english.Id));
        plain.WaitForAssertion(() => plain.Find("[data-testid=kb-language][data-language=en]").TextContent.ShouldBe("English 100%"));
        plain.FindAll("[data-testid=kb-language-warning]").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_switch_dialog_lists_a_usable_model_that_serves_the_language_and_switching_reindexes_with_it_while_readers_only_see_the_warning()
    {
        var providers = Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput("llama", llm.BaseUrl, LlmPeer.ApiKey), default);
        var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
        await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, "*", default);
        var kb = await KnowledgeBaseAsync("中文手册", "handbook.md", Encoding.UTF8.GetBytes(KnowledgeLanguageApiTests.ChineseHandbook));

        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("kb-reader", null, null, "Passw0rd-kb-reader"), [SystemRoles.IdOf(SystemRoles.DataAnalyst)], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.KnowledgeBase, kb.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);
        SignIn(reader.Id, "kb-reader");
        var readOnly = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, kb.Id));
        readOnly.WaitForAssertion(() => readOnly.Find("[data-testid=kb-language-warning]"));
        readOnly.FindAll("[data-testid=switch-embedding]").ShouldBeEmpty("switching takes Write");
        readOnly.FindAll("[data-testid=kb-language-no-suggestion]").ShouldBeEmpty();

        SignIn(AdminId, "admin");
        var ingestion = (await Get<KnowledgeDocumentService>().ListDocumentsAsync(kb.Id, default)).Single().JobId;
        var dialogs = Render<MudDialogProvider>();
        var page = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, kb.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=switch-embedding]"));
        await page.InvokeAsync(() => page.Find("[data-testid=switch-embedding]").Click());
        dialogs.WaitForAssertion(() => dialogs.FindAll("[data-testid=switch-option]").Count.ShouldBe(1));
        var option = dialogs.Find("[data-testid=switch-option]").TextContent;
        option.ShouldContain(LlmPeer.Model);
        option.ShouldContain("all languages (recorded by an administrator)");
        dialogs.Find("[data-testid=switch-reindex]").TextContent.ShouldContain("re-indexed");
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=switch-confirm]").Click());

        await Eventually.UntilAsync(async () => (await Get<KnowledgeService>().GetAsync(kb.Id, default)).KnowledgeBase.EmbeddingModel == LlmPeer.Model,
            "the knowledge base to use the model chosen in the dialog", WaitTimeout);
        // The click's handler saves the model before it queues the re-index: wait for the document's new job, not the first ingestion's.
        await Eventually.UntilAsync(async () => (await Get<KnowledgeDocumentService>().ListDocumentsAsync(kb.Id, default)).Single().JobId != ingestion,
            "the document's re-index job to be queued", WaitTimeout);
        var document = (await Get<KnowledgeDocumentService>().ListDocumentsAsync(kb.Id, default)).Single();
        document.Status.ShouldNotBe(DocumentStatus.Failed, "every document is re-indexed with the new model (queued, running or done: the host's workers may be quicker than this test)");
        // The host's job workers may have claimed the job already; running it here then does nothing, so wait for the outcome.
        await Get<JobRunner>().RunAsync(document.JobId!.Value, default);
        await Eventually.UntilAsync(async () => (await Get<KnowledgeDocumentService>().ListDocumentsAsync(kb.Id, default)).Single().Status == DocumentStatus.Ready,
            "the document re-indexed with the new model", WaitTimeout);
        Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message).ShouldContain($"Switched to {LlmPeer.Model}: every document is being re-indexed.");
        page.WaitForAssertion(() => page.FindAll("[data-testid=kb-language-warning]").ShouldBeEmpty());
        (await Get<KnowledgeService>().GetLanguagesAsync(kb.Id, default)).Warning.ShouldBeFalse();
    }

    [Fact]
    public async Task Switching_the_embedding_model_changes_only_the_model_and_keeps_a_change_made_after_the_page_loaded()
    {
        var providers = Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput("llama", llm.BaseUrl, LlmPeer.ApiKey), default);
        var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
        await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, "*", default);
        var kb = await KnowledgeBaseAsync("中文手册", "handbook.md", Encoding.UTF8.GetBytes(KnowledgeLanguageApiTests.ChineseHandbook));

        var dialogs = Render<MudDialogProvider>();
        var page = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, kb.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=switch-embedding]"));

        // Someone else changes the settings after the page loaded; the user edits the name in the form without saving.
        var knowledge = Get<KnowledgeService>();
        await knowledge.UpdateAsync(kb.Id, new KnowledgeBaseInput(kb.Name, "Changed elsewhere", RelevanceThreshold: 0.35, VectorWeight: 0.6), default);
        await page.InvokeAsync(() => page.FindAll(".mud-tab")[2].Click());
        page.WaitForAssertion(() => page.Find("input[data-testid=kb-name]"));
        page.Find("input[data-testid=kb-name]").Change("unsaved name");

        await page.InvokeAsync(() => page.Find("[data-testid=switch-embedding]").Click());
        dialogs.WaitForAssertion(() => dialogs.FindAll("[data-testid=switch-option]").Count.ShouldBe(1));
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=switch-confirm]").Click());

        await Eventually.UntilAsync(async () => (await knowledge.GetAsync(kb.Id, default)).KnowledgeBase.EmbeddingModel == LlmPeer.Model,
            "the knowledge base to use the model chosen in the dialog", WaitTimeout);
        var saved = (await knowledge.GetAsync(kb.Id, default)).KnowledgeBase;
        saved.Description.ShouldBe("Changed elsewhere", "the switch sends the current settings, not the page's snapshot");
        saved.RelevanceThreshold.ShouldBe(0.35);
        saved.VectorWeight.ShouldBe(0.6);
        saved.Name.ShouldBe(kb.Name, "an unsaved edit in the settings form is not saved by the switch");
        saved.ChunkSize.ShouldBe(kb.ChunkSize);

        // The form shows what was saved.
        page.WaitForAssertion(() => page.Find("input[data-testid=kb-name]").GetAttribute("value").ShouldBe(kb.Name));
        page.Find("input[data-testid=kb-vector-weight]").GetAttribute("value").ShouldBe(0.6.ToString(System.Globalization.CultureInfo.CurrentCulture));
    }

    [Fact]
    public async Task The_providers_page_saves_a_models_embedding_languages_and_explains_a_bad_code()
    {
        var providers = Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput("llama", llm.BaseUrl, LlmPeer.ApiKey), default);
        await providers.SyncModelsAsync(provider.Id, default);

        var page = Render<ProvidersPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=model-embedding-effective]").TextContent.ShouldBe("all languages (not recorded; not offered to knowledge bases until recorded)"));
        page.Find("input[data-testid=model-embedding-languages]").GetAttribute("placeholder").ShouldBe("*");
        page.Find("[data-testid=model-row] code").GetAttribute("style")!.ShouldContain("white-space: nowrap", customMessage: "model ids such as text-embedding-3-small do not wrap");

        page.Find("input[data-testid=model-embedding-languages]").Change("zh, en");
        await Eventually.UntilAsync(async () => (await providers.ListProvidersAsync(default)).Single().Models.Single().EmbeddingLanguages == "en,zh",
            "the languages entered on the page to be saved", WaitTimeout);
        page.WaitForAssertion(() => page.Find("[data-testid=model-embedding-effective]").TextContent.ShouldBe("English, Chinese (recorded by an administrator)"));

        var snackbar = Services.GetRequiredService<ISnackbar>();
        page.Find("input[data-testid=model-embedding-languages]").Change("xx");
        page.WaitForAssertion(() => snackbar.ShownSnackbars.Select(s => s.Message ?? string.Empty).ShouldContain(m => m.Contains("'xx' is not a language code retrieval knows")));
        (await providers.ListProvidersAsync(default)).Single().Models.Single().EmbeddingLanguages.ShouldBe("en,zh");
        page.WaitForAssertion(() => page.Find("input[data-testid=model-embedding-languages]").GetAttribute("value").ShouldBe("en,zh", "a refused value shows the saved one again"));

        // Switching the model on keeps the languages; clearing the field goes back to what the family says.
        var model = (await providers.ListProvidersAsync(default)).Single().Models.Single();
        (await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, default)).EmbeddingLanguages.ShouldBe("en,zh");
        page.Find("input[data-testid=model-embedding-languages]").Change(string.Empty);
        await Eventually.UntilAsync(async () => (await providers.ListProvidersAsync(default)).Single().Models.Single().EmbeddingLanguages is null,
            "the languages to be cleared", WaitTimeout);

        using (InCulture("zh-CN"))
        {
            snackbar.Clear();
            var zh = Render<ProvidersPage>();
            zh.WaitForAssertion(() => zh.Find("[data-testid=model-embedding-effective]").TextContent.ShouldBe("所有语言（未设置；记录语言之前不会推荐给知识库）"));
            zh.Find("input[data-testid=model-embedding-languages]").Change("fr");
            zh.WaitForAssertion(() => snackbar.ShownSnackbars.Select(s => s.Message ?? string.Empty).ShouldContain(m => m.Contains("“fr”不是检索可识别的语言代码")));
        }
    }

    [Fact]
    public async Task The_switch_dialog_lists_models_that_name_an_embedding_model_first_then_recorded_ones_and_preselects_the_first()
    {
        // A chat model an administrator marked "*", a known family named as an embedder, and an embedder with recorded languages.
        var providers = Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput("llama", llm.BaseUrl, LlmPeer.ApiKey), default);
        var chat = (await providers.SyncModelsAsync(provider.Id, default)).Single();
        await providers.SetModelAsync(chat.Id, true, true, chat.ContextTokens, "*", default);
        await ModelAsync(provider.Id, "bge-m3", null);
        await ModelAsync(provider.Id, "zh-embedder", "zh");
        var kb = await KnowledgeBaseAsync("中文手册", "handbook.md", Encoding.UTF8.GetBytes(KnowledgeLanguageApiTests.ChineseHandbook));

        string[] expected = ["zh-embedder", "bge-m3", LlmPeer.Model];
        (await Get<KnowledgeService>().GetLanguagesAsync(kb.Id, default)).Suggestions.Select(s => s.Model).ShouldBe(expected);

        var dialogs = Render<MudDialogProvider>();
        var page = Render<KnowledgeBasePage>(p => p.Add(x => x.Id, kb.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=switch-embedding]"));
        await page.InvokeAsync(() => page.Find("[data-testid=switch-embedding]").Click());
        dialogs.WaitForAssertion(() => dialogs.FindAll("[data-testid=switch-option]").Count.ShouldBe(3));
        dialogs.FindAll("[data-testid=switch-option] strong").Select(s => s.TextContent).ShouldBe(expected);
        dialogs.FindAll("[data-testid=switch-option-languages]")[1].TextContent.ShouldBe("all languages (known for this model family)", "the parentheses come from the resource (full-width in Chinese)");

        // The first is preselected (confirming it would embed through a provider this test does not run, so only the choice is checked).
        dialogs.FindAll("[data-testid=switch-option] input[type=radio]").Select(r => r.HasAttribute("checked")).ShouldBe([true, false, false]);
    }

    /// <summary>An enabled model open to everyone on <paramref name="providerId"/>, with the embedding languages an administrator recorded.</summary>
    private async Task ModelAsync(Guid providerId, string name, string? embeddingLanguages) =>
        await Get<IChatStore>().SaveModelAsync(
            new LlmModel { Id = Guid.CreateVersion7(), ProviderId = providerId, ModelId = name, Name = name, Enabled = true, OpenToAll = true, OwnerId = AdminId, CreatedAt = DateTimeOffset.UtcNow, EmbeddingLanguages = embeddingLanguages },
            true,
            null,
            default);

    private async Task<KnowledgeBase> KnowledgeBaseAsync(string name, string fileName, byte[] content)
    {
        var kb = await Get<KnowledgeService>().CreateAsync(new KnowledgeBaseInput(name, null, ChunkSize: 600), default);
        var document = await Get<KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream(content), fileName, default);
        await Get<JobRunner>().RunAsync(document.JobId!.Value, default);
        await Eventually.UntilAsync(async () => (await Get<KnowledgeDocumentService>().ListDocumentsAsync(kb.Id, default)).Single().Status == DocumentStatus.Ready,
            "the document ingested", WaitTimeout);
        return kb;
    }
}
