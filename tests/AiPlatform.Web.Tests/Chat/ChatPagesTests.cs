using AiPlatform.Core.Chat;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Features.Chat;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Chat;

public sealed class ChatPagesTests(LlmPeer llm) : PageTestBase, IClassFixture<LlmPeer>
{
    [Fact]
    public async Task An_admin_syncs_a_providers_models_and_a_user_chats_with_the_enabled_one()
    {
        await Get<ProviderService>().CreateProviderAsync(new ProviderInput("local-llama", llm.BaseUrl, LlmPeer.ApiKey), default);
        var admin = Render<ProvidersPage>();
        admin.WaitForAssertion(() => admin.Find("[data-testid=provider-name]").TextContent.ShouldBe("local-llama"));
        admin.Markup.ShouldNotContain(LlmPeer.ApiKey);
        await admin.Find("[data-testid=sync-provider]").ClickAsync(new());
        admin.WaitForAssertion(() => admin.Find("[data-testid=model-row]").TextContent.ShouldContain(LlmPeer.Model));
        admin.Find("input[data-testid=model-context]").GetAttribute("value").ShouldBe("512", "read from the provider's model list");
        admin.Find("input[data-testid=model-context]").Change("100");
        (await Get<ProviderService>().ListProvidersAsync(default)).Single().Models.Single().ContextTokens.ShouldBe(512);
        admin.WaitForAssertion(() => admin.Find("input[data-testid=model-context]").GetAttribute("value").ShouldBe("512", "refused below 256 tokens, the field shows the saved window again"));
        string.Join("|", Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars.Select(s => s.Message)).ShouldContain("256");
        admin.Find("input[data-testid=model-context]").Change("2048");
        await Eventually.UntilAsync(async () => (await Get<ProviderService>().ListProvidersAsync(default)).Single().Models.Single().ContextTokens == 2048,
            "the context window of 2048 tokens entered on the page to be saved", PageTestBase.WaitTimeout);
        var model = (await Get<ProviderService>().ListProvidersAsync(default)).Single().Models.Single();
        await Get<ProviderService>().SetModelAsync(model.Id, true, true, model.ContextTokens, default);

        var chat = Render<ChatPage>();
        chat.WaitForAssertion(() => chat.Find("[data-testid=new-chat]").HasAttribute("disabled").ShouldBeFalse());
        var conversation = await Get<ChatService>().CreateAsync(model.Name, null, null, default);
        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=chat-title]").TextContent.ShouldBe("New chat"));
        page.Find("[data-testid=chat-input]").Input("Hello, tiny model!");
        await page.Find("[data-testid=send]").ClickAsync(new());
        page.WaitForAssertion(() => page.FindAll("[data-testid=message]").Count.ShouldBe(2));
        page.FindAll("[data-testid=message]")[1].GetAttribute("data-status").ShouldBe("Complete");
        page.Find("[data-testid=chat-title]").TextContent.ShouldBe("Hello, tiny model!");
        await page.Find("[data-testid=thumbs-up]").ClickAsync(new());
        (await Get<ChatService>().GetAsync(conversation.Id, default)).Messages[1].Feedback.ShouldBe(1);
        page.Find("[data-testid=conversations]").TextContent.ShouldContain("Hello, tiny model!");
    }

    [Fact]
    public async Task Typing_enables_send_at_once_so_the_first_click_is_not_lost()
    {
        var conversation = await ConversationAsync("typing-llama");
        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=send]").HasAttribute("disabled").ShouldBeTrue("nothing typed yet"));

        page.Find("[data-testid=chat-input]").Input("Hello");

        page.WaitForAssertion(() => page.Find("[data-testid=send]").HasAttribute("disabled").ShouldBeFalse("Send enables on the keystroke, not when the field loses focus"));
    }

    [Fact]
    public async Task Enter_sends_once_and_shift_enter_does_not_send()
    {
        var conversation = await ConversationAsync("enter-llama");
        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=chat-title]"));

        page.Find("[data-testid=chat-input]").Input("First line");
        await page.Find("[data-testid=chat-input]").KeyDownAsync(new KeyboardEventArgs { Key = "Enter", ShiftKey = true });
        page.FindAll("[data-testid=message]").ShouldBeEmpty("Shift+Enter adds a line, it does not send");
        page.Find("[data-testid=send]").HasAttribute("disabled").ShouldBeFalse("the text typed is kept");
        (await Get<ChatService>().GetAsync(conversation.Id, default)).Messages.ShouldBeEmpty();

        page.Find("[data-testid=chat-input]").Input("First line\nSecond line");
        // Two Enters in a row (a key held down, a double press): the second arrives while the first answer is in flight.
        var first = page.Find("[data-testid=chat-input]").KeyDownAsync(new KeyboardEventArgs { Key = "Enter" });
        var second = page.Find("[data-testid=chat-input]").KeyDownAsync(new KeyboardEventArgs { Key = "Enter" });
        await Task.WhenAll(first, second).WaitAsync(PageTestBase.WaitTimeout);

        page.WaitForAssertion(() => page.FindAll("[data-testid=message]").Count.ShouldBe(2, "one question and its answer"));
        page.FindAll("[data-testid=message]")[1].GetAttribute("data-status").ShouldBe("Complete");
        var saved = (await Get<ChatService>().GetAsync(conversation.Id, default)).Messages;
        saved.Count.ShouldBe(2, "Enter sent exactly once");
        saved[0].Content.ShouldBe("First line\nSecond line", "the current text is sent, not a stale one");
        page.Find("[data-testid=send]").HasAttribute("disabled").ShouldBeTrue("the field is emptied after sending");
    }

    private async Task<Conversation> ConversationAsync(string providerName)
    {
        var providers = Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput(providerName, llm.BaseUrl, LlmPeer.ApiKey), default);
        var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
        var name = (await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, default)).Name;
        return await Get<ChatService>().CreateAsync(name, null, null, default);
    }

    [Fact]
    public async Task Answers_show_their_sources_as_links_and_compared_answers_sit_side_by_side()
    {
        var providers = Get<ProviderService>();
        var names = new List<string>();
        foreach (var name in new[] { "llama-one", "llama-two" })
        {
            var provider = await providers.CreateProviderAsync(new ProviderInput(name, llm.BaseUrl, LlmPeer.ApiKey), default);
            var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
            names.Add((await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, default)).Name);
        }

        var knowledge = Get<AiPlatform.Core.Knowledge.KnowledgeService>();
        var kb = await knowledge.CreateAsync(new AiPlatform.Core.Knowledge.KnowledgeBaseInput("Facts", null, ChunkSize: 200, ChunkOverlap: 0), default);
        var document = await Get<AiPlatform.Core.Knowledge.KnowledgeDocumentService>().UploadAsync(kb.Id, new MemoryStream("The library opens at 8:00 and closes at 20:00."u8.ToArray()), "library.txt", default);
        await Get<AiPlatform.Core.Jobs.JobRunner>().RunAsync(document.JobId!.Value, default);
        var conversation = await Get<ChatService>().CreateAsync(names[0], null, null, [kb.Id], default);

        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=chat-title]"));
        page.Find("[data-testid=chat-input]").Input("When does the library open?");
        await Get<ChatService>().SendToModelsAsync(conversation.Id, "When does the library open?", [null, names[1]], null, default);
        var reloaded = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        reloaded.WaitForAssertion(() => reloaded.Find("[data-testid=side-by-side]").QuerySelectorAll("[data-testid=message]").Length.ShouldBe(2));
        var citation = reloaded.Find("[data-testid=citation]");
        citation.TextContent.ShouldContain("library.txt");
        citation.GetAttribute("href").ShouldBe($"/knowledge/{kb.Id}/documents/{document.Id}?chunk=0");
    }

    [Fact]
    public async Task An_answer_that_left_earlier_messages_out_to_fit_the_context_window_says_so()
    {
        var providers = Get<ProviderService>();
        var provider = await providers.CreateProviderAsync(new ProviderInput("small-window", llm.BaseUrl, LlmPeer.ApiKey), default);
        var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
        model = await providers.SetModelAsync(model.Id, true, true, 512, default);
        var conversation = await Get<ChatService>().CreateAsync(model.Name, null, null, default);
        var question = string.Join(' ', Enumerable.Repeat("Summarize the meeting notes about the budget, the hiring plan and the product launch dates.", 8));
        ConversationMessage? last = null;
        for (var turn = 0; turn < 3; turn++)
        {
            last = await Get<ChatService>().SendAsync(conversation.Id, $"{turn}: {question}", null, null, default);
            last.Status.ShouldBe(MessageStatus.Complete, last.Error);
        }

        last!.OmittedMessages.ShouldBeGreaterThan(0);
        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=omitted]").Count.ShouldBeGreaterThan(0));
        page.FindAll("[data-testid=omitted]")[^1].TextContent.ShouldContain($"{last.OmittedMessages} earlier messages left out");
    }

    [Fact]
    public async Task While_an_answer_streams_the_list_only_follows_a_reader_at_the_bottom_and_only_sending_scrolls_unconditionally()
    {
        // A token every 300 ms: the page renders the growing answer several times before Stop.
        var slow = await LlmPeer.StartAsync(tokenDelay: TimeSpan.FromMilliseconds(300));
        try
        {
            var providers = Get<ProviderService>();
            var provider = await providers.CreateProviderAsync(new ProviderInput("follow-llama", slow.BaseUrl, LlmPeer.ApiKey), default);
            var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
            var name = (await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, default)).Name;
            var conversation = await Get<ChatService>().CreateAsync(name, null, null, default);
            var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=chat-title]"));
            var opened = Count("aiPlatform.chat.toBottom");
            opened.ShouldBe(1, "opening the conversation shows its newest message");

            page.Find("[data-testid=chat-input]").Input("Tell me a long story.");
            var sending = page.Find("[data-testid=send]").ClickAsync(new());
            page.WaitForAssertion(() => Count("aiPlatform.chat.follow").ShouldBeGreaterThan(1, "each growth of the answer asks aiplatform.js to follow, which it does only at the bottom"));
            Count("aiPlatform.chat.toBottom").ShouldBe(opened + 1, "sending shows the question once");
            // Find and click in one dispatch: the streaming answer re-renders the page between the two otherwise.
            await page.InvokeAsync(() => page.Find("[data-testid=stop]").ClickAsync(new()));
            await sending.WaitAsync(PageTestBase.WaitTimeout);

            page.WaitForAssertion(() => page.FindAll("[data-testid=message]").Count.ShouldBe(2));
            Count("aiPlatform.chat.toBottom").ShouldBe(opened + 1, "the saved answer replacing the stream does not yank a reader who scrolled up");
            JSInterop.Invocations.ShouldNotContain(i => i.Identifier == "aiPlatform.scrollToBottom");
        }
        finally
        {
            await slow.DisposeAsync();
        }

        int Count(string identifier) => JSInterop.Invocations.Count(i => i.Identifier == identifier);
    }

    [Fact]
    public async Task Stop_ends_a_slow_answer_mid_way_keeps_what_arrived_and_cancels_the_provider_request()
    {
        // A provider of its own that sends one token a second: a whole answer would take half a minute.
        var slow = await LlmPeer.StartAsync(tokenDelay: TimeSpan.FromSeconds(1));
        try
        {
            var providers = Get<ProviderService>();
            var provider = await providers.CreateProviderAsync(new ProviderInput("slow-llama", slow.BaseUrl, LlmPeer.ApiKey), default);
            var model = (await providers.SyncModelsAsync(provider.Id, default)).Single();
            var name = (await providers.SetModelAsync(model.Id, true, true, model.ContextTokens, default)).Name;
            var conversation = await Get<ChatService>().CreateAsync(name, null, null, default);

            var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=chat-title]"));
            page.Find("[data-testid=chat-input]").Input("Tell me a long story.");
            var sending = page.Find("[data-testid=send]").ClickAsync(new());
            page.WaitForAssertion(() => page.Find("[data-testid=streaming]").TextContent.Trim().ShouldNotBeEmpty("the first tokens are shown while the answer grows"));
            // Find and click in one dispatch: the streaming answer re-renders the page between the two otherwise.
            await page.InvokeAsync(() => page.Find("[data-testid=stop]").ClickAsync(new()));
            await sending.WaitAsync(PageTestBase.WaitTimeout);

            page.WaitForAssertion(() => page.FindAll("[data-testid=message]").Count.ShouldBe(2));
            var answer = page.FindAll("[data-testid=message]")[1];
            answer.GetAttribute("data-status").ShouldBe("Stopped");
            answer.TextContent.ShouldContain("stopped");
            page.FindAll("[data-testid=stop]").ShouldBeEmpty();
            page.Find("[data-testid=chat-input]").HasAttribute("disabled").ShouldBeFalse();
            var saved = (await Get<ChatService>().GetAsync(conversation.Id, default)).Messages[1];
            saved.Status.ShouldBe(MessageStatus.Stopped);
            saved.Content.Trim().ShouldNotBeEmpty("what arrived before Stop is kept");
            await Eventually.UntilAsync(async () => (await slow.RequestsAsync()) is { Aborted: 1, Open: 0, Completed: 0 },
                "the provider to see its request cancelled", PageTestBase.WaitTimeout);
        }
        finally
        {
            await slow.DisposeAsync();
        }
    }
}
