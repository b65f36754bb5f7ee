using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Features.Chat;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>
/// The chat page as an OpenWebUI user expects it, without a model answering: copy buttons, dated conversation groups, the
/// model picker, scrolling that leaves a reader where they are, "New chat" and failures in the user's language, and
/// empty lists that say what to do next. Conversations and answers are written to the store directly.
/// </summary>
public sealed class ChatUxTests : PageTestBase
{
    private int _messages;

    private const string CodeAnswer = "Here it is:\n\n```python\nprint('hi')\n```\n\nAnd `inline` code stays as it is.";

    [Fact]
    public async Task Every_message_has_a_copy_button_that_copies_its_markdown_and_every_code_block_has_its_own()
    {
        var conversation = await ConversationAsync("copy-model");
        await MessageAsync(conversation, "user", "Show me Python.");
        await MessageAsync(conversation, "assistant", CodeAnswer + "\n\n<button data-copy-code onclick=\"alert(1)\">fake</button>");

        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=message]").Count.ShouldBe(2));

        page.FindAll("[data-testid=copy-message]").Count.ShouldBe(2, "the question and the answer");
        var copyCode = page.FindAll("[data-testid=message] .code-block button[data-copy-code]");
        copyCode.Count.ShouldBe(1, "one button for the one code block; the button typed into the answer is text, not a button");
        copyCode[0].GetAttribute("type").ShouldBe("button");
        copyCode[0].GetAttribute("aria-label").ShouldBe("Copy code");
        copyCode[0].GetAttribute("data-copied-label").ShouldBe("Copied");
        var block = copyCode[0].Closest(".code-block")!;
        block.QuerySelector("pre code")!.TextContent.ShouldBe("print('hi')\n");
        block.QuerySelector(".code-block-language")!.TextContent.ShouldBe("python");
        page.FindAll("[onclick]").ShouldBeEmpty("the sanitizer still stands between the answer and the page");

        await page.FindAll("[data-testid=copy-message]")[1].ClickAsync(new());

        var copied = JSInterop.Invocations.Where(i => i.Identifier == "aiPlatform.chat.copy").ShouldHaveSingleItem();
        copied.Arguments.ShouldHaveSingleItem().ShouldBe((await Get<ChatService>().GetAsync(conversation.Id, default)).Messages[1].Content, "the answer's Markdown, not its HTML");
    }

    [Fact]
    public async Task Conversations_are_grouped_by_the_day_they_last_changed_under_headings_in_the_users_language()
    {
        var now = DateTimeOffset.Now;
        var today = await ConversationAsync("dated-model", "Today's talk", now);
        await ConversationAsync("dated-model", "Last week's talk", now.AddDays(-4), createModel: false);
        var old = await ConversationAsync("dated-model", "An old talk", now.AddDays(-60), createModel: false);

        using (InCulture("zh-CN"))
        {
            var page = Render<ChatPage>(p => p.Add(x => x.Id, today.Id));
            page.WaitForAssertion(() => page.FindAll("[data-testid=conversation-link]").Count.ShouldBe(3));

            page.FindAll("[data-testid=conversation-group]").Select(g => g.TextContent.Trim()).ShouldBe(["今天", "过去 7 天", "更早"]);
            var rows = page.FindAll("[data-testid=conversation-link]");
            rows[2].TextContent.ShouldContain("An old talk");
            rows[2].QuerySelector("[data-testid=conversation-date]")!.TextContent.ShouldBe(Dates.Day(old.UpdatedAt));
            rows[0].QuerySelector("[data-testid=conversation-date]").ShouldBeNull("today's rows are dated by their group");
        }
    }

    [Fact]
    public void The_groups_follow_calendar_days_in_the_given_time_zone()
    {
        var now = new DateTimeOffset(2026, 12, 6, 0, 30, 0, TimeSpan.Zero);
        Conversation At(string title, DateTimeOffset at) => new() { Title = title, Model = "m", UpdatedAt = at };
        var conversations = new[]
        {
            At("just now", now), At("before midnight", now.AddHours(-1)), At("two days ago", now.AddDays(-2)),
            At("a week ago", now.AddDays(-7)), At("eight days ago", now.AddDays(-8)), At("a month ago", now.AddDays(-31)),
        };

        var groups = ConversationGroups.Group(conversations, now, TimeZoneInfo.Utc);

        groups.Select(g => (g.Age, string.Join(",", g.Items.Select(c => c.Title)))).ShouldBe(
        [
            (ConversationAge.Today, "just now"),
            (ConversationAge.Yesterday, "before midnight"),
            (ConversationAge.Previous7Days, "two days ago,a week ago"),
            (ConversationAge.Previous30Days, "eight days ago"),
            (ConversationAge.Older, "a month ago"),
        ]);
    }

    [Fact]
    public async Task The_model_picker_at_the_top_changes_the_model_that_answers_the_next_message()
    {
        var conversation = await ConversationAsync("first-model");
        await ModelAsync("second-model");

        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=chat-title]"));
        var picker = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.UserAttributes.GetValueOrDefault("data-testid") as string == "chat-model");
        Value(picker).ShouldBe("first-model");

        await page.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync("second-model"));

        (await Get<ChatService>().GetAsync(conversation.Id, default)).Conversation.Model.ShouldBe("second-model");
        page.WaitForAssertion(() => Value(picker).ShouldBe("second-model"));
    }

    [Fact]
    public async Task Opening_a_conversation_scrolls_to_the_newest_message_and_a_later_render_only_follows_a_reader_at_the_bottom()
    {
        var conversation = await ConversationAsync("scroll-model");
        await MessageAsync(conversation, "user", "Hello");
        await MessageAsync(conversation, "assistant", "Hi!");

        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=message]").Count.ShouldBe(2));
        page.Find("#" + ChatPage.MessagesId).HasAttribute("data-follow-scroll").ShouldBeTrue("aiplatform.js tracks whether the reader left the bottom");
        page.Find("[data-testid=jump-latest]").GetAttribute("data-jump-latest").ShouldBe(ChatPage.MessagesId);
        Scrolls().ShouldBe(["aiPlatform.chat.toBottom"]);

        // Rating an answer reloads the conversation: the reader stays where they are.
        await page.Find("[data-testid=thumbs-up]").ClickAsync(new());
        page.WaitForAssertion(() => page.Find("[data-testid=feedback-comment]"));
        Scrolls().ShouldBe(["aiPlatform.chat.toBottom"]);
        JSInterop.Invocations.ShouldNotContain(i => i.Identifier == "aiPlatform.scrollToBottom", "nothing scrolls the list unconditionally any more");

        IEnumerable<string> Scrolls() => JSInterop.Invocations.Where(i => i.Identifier.StartsWith("aiPlatform.chat.", StringComparison.Ordinal) && i.Identifier != "aiPlatform.chat.copy").Select(i => i.Identifier);
    }

    [Fact]
    public async Task A_new_conversation_stores_no_title_and_reads_new_chat_in_the_users_language()
    {
        var conversation = await ConversationAsync("untitled-model");
        conversation.Title.ShouldBeEmpty("no English is stored");
        conversation.IsUntitled.ShouldBeTrue();

        using (InCulture("zh-CN"))
        {
            var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=chat-title]").TextContent.ShouldBe("新对话"));
            page.Find("[data-testid=conversation-link]").TextContent.Trim().ShouldBe("新对话");
        }

        var english = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
        english.WaitForAssertion(() => english.Find("[data-testid=chat-title]").TextContent.ShouldBe("New chat"));
        (await Get<ChatService>().ExportAsync(conversation.Id, default)).ShouldNotContain("# ", Case.Sensitive, "an untitled export has no English heading");
    }

    [Fact]
    public async Task A_failed_answer_shows_its_status_and_reason_in_chinese()
    {
        var conversation = await ConversationAsync("failing-model");
        await MessageAsync(conversation, "user", "Hello");
        await MessageAsync(conversation, "assistant", string.Empty, m =>
        {
            m.Status = MessageStatus.Failed;
            m.Error = "The model 'failing-model' did not answer: connection refused";
            m.ErrorKey = "Error.Chat.ProviderFailed";
            m.ErrorArguments = """["failing-model","connection refused"]""";
        });

        using (InCulture("zh-CN"))
        {
            var page = Render<ChatPage>(p => p.Add(x => x.Id, conversation.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=message-error]").TextContent.Trim().ShouldBe("模型“failing-model”没有回答：connection refused"));
            page.Find("[data-testid=message-status]").TextContent.Trim().ShouldBe("失败");
        }
    }

    [Fact]
    public async Task Without_conversations_the_list_offers_a_new_chat_that_starts_one()
    {
        await ModelAsync("empty-list-model");

        var page = Render<ChatPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=no-conversations]"));
        page.Find("[data-testid=chat-pick]").QuerySelector("[data-testid=pick-new-chat]").ShouldNotBeNull();
        await page.Find("[data-testid=empty-new-chat]").ClickAsync(new());

        var created = (await Get<ChatService>().ListAsync(null, 0, 10, default)).Items.ShouldHaveSingleItem();
        created.Model.ShouldBe("empty-list-model");
        Services.GetRequiredService<NavigationManager>().Uri.ShouldEndWith($"/chat/{created.Id}");
    }

    [Fact]
    public async Task Without_models_an_administrator_is_sent_to_add_a_provider_and_a_user_is_told_an_administrator_must()
    {
        var admin = Render<ChatPage>();
        admin.WaitForAssertion(() => admin.Find("[data-testid=no-models]"));
        admin.Find("[data-testid=add-provider]").GetAttribute("href").ShouldBe("/admin/llm");
        admin.FindAll("[data-testid=empty-new-chat]").ShouldBeEmpty("there is no model to start a chat with");

        var user = await Get<UserAdminService>().CreateAsync(new NewUser("chatter", null, null, "Passw0rd-chatter"), [SystemRoles.IdOf(SystemRoles.DataAnalyst)], default);
        SignIn(user.Id, "chatter");
        var page = Render<ChatPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=no-models]").TextContent.ShouldContain("An administrator adds providers"));
        page.FindAll("[data-testid=add-provider]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_providers_the_providers_page_offers_to_add_one_and_without_usage_the_usage_page_offers_a_chat()
    {
        var dialogs = Render<MudDialogProvider>();
        var providers = Render<ProvidersPage>();
        providers.WaitForAssertion(() => providers.Find("[data-testid=no-providers]"));
        providers.Find("[data-testid=no-quotas]");
        await providers.Find("[data-testid=empty-new-provider]").ClickAsync(new());
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=provider-url]"));

        using (InCulture("zh-CN"))
        {
            var usage = Render<UsagePage>();
            usage.WaitForAssertion(() => usage.Find("[data-testid=usage-empty]"));
            usage.Find("[data-testid=usage-start-chat]").GetAttribute("href").ShouldBe("/chat");
            usage.Markup.ShouldContain("词元总数");
            usage.Markup.ShouldNotContain("令牌", Case.Sensitive, "LLM tokens are 词元; 令牌 is for access tokens");
        }
    }

    // The picker's current value, as the page set it (MudBlazor's analyzer guards parameters written from outside; this only reads).
#pragma warning disable MUD0012
    private static string? Value(IRenderedComponent<MudSelect<string>> select) => select.Instance.Value;
#pragma warning restore MUD0012

    private async Task<Conversation> ConversationAsync(string model, string? title = null, DateTimeOffset? updatedAt = null, bool createModel = true)
    {
        if (createModel)
        {
            await ModelAsync(model);
        }

        var conversation = await Get<ChatService>().CreateAsync(model, null, title, default);
        if (updatedAt is { } at)
        {
            conversation.UpdatedAt = at;
            await Get<IChatStore>().SaveConversationAsync(conversation, false, default);
        }

        return conversation;
    }

    /// <summary>An enabled model open to everyone, on a provider nobody calls (nothing here asks it to answer).</summary>
    private async Task ModelAsync(string name)
    {
        var provider = await Get<ProviderService>().CreateProviderAsync(new ProviderInput($"{name}-provider", "http://127.0.0.1:9/v1", null), default);
        await Get<IChatStore>().SaveModelAsync(
            new LlmModel { Id = Guid.CreateVersion7(), ProviderId = provider.Id, ModelId = name, Name = name, Enabled = true, OpenToAll = true, OwnerId = AdminId, CreatedAt = DateTimeOffset.UtcNow },
            true,
            null,
            default);
    }

    private async Task MessageAsync(Conversation conversation, string role, string content, Action<ConversationMessage>? change = null)
    {
        var message = new ConversationMessage
        {
            // Messages are listed by id: one millisecond apart, so they sort in the order written.
            Id = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddMilliseconds(++_messages)),
            ConversationId = conversation.Id,
            Role = role,
            Content = content,
            Model = role == "assistant" ? conversation.Model : null,
            Status = MessageStatus.Complete,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        change?.Invoke(message);
        await Get<IChatStore>().SaveMessageAsync(message, true, default);
    }
}
