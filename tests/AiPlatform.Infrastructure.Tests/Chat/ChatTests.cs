using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Chat;

/// <summary>Providers and chat against a real OpenAI-compatible server (llama.cpp on a tiny random model: gibberish, real plumbing).</summary>
public sealed class ChatTests(SqliteServicesFixture fixture, LlmPeer llm) : IClassFixture<SqliteServicesFixture>, IClassFixture<LlmPeer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private ProviderService Providers => fixture.Get<ProviderService>();

    private ChatService Chat => fixture.Get<ChatService>();

    [Fact]
    public async Task A_provider_lists_its_models_which_answer_in_streamed_chunks_once_enabled_and_the_tokens_are_counted()
    {
        var model = await ProviderWithModelAsync(openToAll: true);
        var provider = (await Providers.ListProvidersAsync(None)).Single(p => p.Models.Any(m => m.Id == model.Id));
        provider.HasApiKey.ShouldBeTrue();
        (await fixture.Get<IAuditStore>().QueryAsync(new AuditQuery(Action: "llm.provider.create"), None)).Items.ShouldAllBe(a => !a.Summary!.Contains(LlmPeer.ApiKey));

        var conversation = await Chat.CreateAsync(model.Name, "You answer briefly.", null, None);
        var deltas = new List<string>();
        var answer = await Chat.SendAsync(conversation.Id, "Hello there, who are you?", null, d => { deltas.Add(d); return ValueTask.CompletedTask; }, None);

        answer.Status.ShouldBe(MessageStatus.Complete, answer.Error);
        deltas.Count.ShouldBeGreaterThan(1, "the answer streams");
        answer.Content.ShouldBe(string.Concat(deltas));
        answer.CompletionTokens.ShouldBeGreaterThan(0);
        answer.PromptTokens.ShouldBeGreaterThan(0);
        var details = await Chat.GetAsync(conversation.Id, None);
        details.Messages.Select(m => m.Role).ShouldBe(["user", "assistant"]);
        details.Conversation.Title.ShouldBe("Hello there, who are you?");
        var usage = await fixture.Get<IChatStore>().ListUsageAsync(DateOnly.FromDateTime(DateTime.UtcNow), fixture.Admin.Id, None);
        usage.Single(u => u.Model == model.Name && u.Source == "chat").CompletionTokens.ShouldBeGreaterThanOrEqualTo(answer.CompletionTokens);

        var again = await Chat.RegenerateAsync(conversation.Id, null, null, None);
        again.Status.ShouldBe(MessageStatus.Complete);
        (await Chat.GetAsync(conversation.Id, None)).Messages.Count.ShouldBe(2, "the previous answer is replaced");
        var edited = await Chat.EditAndResendAsync(conversation.Id, details.Messages[0].Id, "Tell me a story.", null, None);
        edited.Status.ShouldBe(MessageStatus.Complete);
        (await Chat.GetAsync(conversation.Id, None)).Messages[0].Content.ShouldBe("Tell me a story.");
        await Chat.FeedbackAsync(conversation.Id, edited.Id, -1, "gibberish", None);
        (await Chat.GetAsync(conversation.Id, None)).Messages[1].Feedback.ShouldBe(-1);
        (await Chat.ExportAsync(conversation.Id, None)).ShouldContain("Tell me a story.");
        (await Chat.ListAsync("story", 0, 10, None)).Items.ShouldContain(c => c.Id == conversation.Id);
    }

    [Fact]
    public async Task Stopping_keeps_the_partial_answer_and_a_provider_that_is_down_fails_the_answer_but_keeps_the_question()
    {
        var model = await ProviderWithModelAsync(openToAll: true);
        var conversation = await Chat.CreateAsync(model.Name, null, null, None);
        using var stop = new CancellationTokenSource();
        var answer = await Chat.SendAsync(conversation.Id, "Write a long story.", null, async d => await stop.CancelAsync(), stop.Token);
        answer.Status.ShouldBe(MessageStatus.Stopped);
        answer.Content.ShouldNotBeEmpty();

        var down = await Providers.CreateProviderAsync(new ProviderInput("down-" + Guid.NewGuid().ToString("N")[..6], "http://127.0.0.1:9/v1", null), None);
        (await Should.ThrowAsync<ProviderUnavailableException>(() => Providers.SyncModelsAsync(down.Id, None))).Message.ShouldContain("cannot be reached");
        var wrongKey = await Providers.CreateProviderAsync(new ProviderInput("wrong-" + Guid.NewGuid().ToString("N")[..6], llm.BaseUrl, "not-the-key"), None);
        (await Should.ThrowAsync<ProviderUnavailableException>(() => Providers.SyncModelsAsync(wrongKey.Id, None))).Message.ShouldContain("401");

        // The model's provider goes down (its URL now points nowhere): the question stays, the answer says why.
        var provider = (await Providers.ListProvidersAsync(None)).Single(p => p.Models.Any(m => m.Id == model.Id));
        await Providers.UpdateProviderAsync(provider.Id, new ProviderInput(provider.Name, "http://127.0.0.1:9/v1", null), None);
        var failed = await Chat.SendAsync(conversation.Id, "Are you there?", null, null, None);
        failed.Status.ShouldBe(MessageStatus.Failed);
        failed.Error!.ShouldContain($"'{model.Name}' did not answer");
        (await Chat.GetAsync(conversation.Id, None)).Messages.ShouldContain(m => m.Role == "user" && m.Content == "Are you there?");
        await Should.ThrowAsync<ValidationException>(() => Providers.CreateProviderAsync(new ProviderInput("x", "ftp://nope", null), None));
    }

    [Fact]
    public async Task Models_are_used_only_when_granted_and_conversations_stay_with_their_owner()
    {
        var model = await ProviderWithModelAsync(openToAll: false);
        var conversation = await Chat.CreateAsync(model.Name, null, null, None);
        await Chat.SendAsync(conversation.Id, "My secret plan is X.", null, null, None);

        var other = await fixture.CreateUserAsync("chatter" + Guid.NewGuid().ToString("N")[..6], SystemRoles.DataAnalyst);
        await fixture.As(other, async () =>
        {
            (await Providers.ListUsableAsync(None)).ShouldNotContain(m => m.Id == model.Id);
            await Should.ThrowAsync<NotFoundException>(() => Chat.CreateAsync(model.Name, null, null, None));
            await Should.ThrowAsync<NotFoundException>(() => Chat.GetAsync(conversation.Id, None));
            await Should.ThrowAsync<NotFoundException>(() => Chat.SendAsync(conversation.Id, "hi", null, null, None));
            (await Chat.ListAsync("secret", 0, 10, None)).Items.ShouldBeEmpty();
            await Should.ThrowAsync<ForbiddenException>(() => Providers.ListProvidersAsync(None));
        });

        await fixture.Get<SharingService>().GrantAsync(SecurableTypes.LlmModel, model.Id, PrincipalType.User, other.Id, PermissionLevel.Read, None);
        await fixture.As(other, async () => (await Providers.ListUsableAsync(None)).ShouldContain(m => m.Id == model.Id));
    }

    [Fact]
    public async Task A_user_over_the_daily_quota_is_refused_with_the_reset_time_and_a_group_quota_applies_to_its_members()
    {
        var model = await ProviderWithModelAsync(openToAll: true);
        var user = await fixture.CreateUserAsync("quota" + Guid.NewGuid().ToString("N")[..6], SystemRoles.DataAnalyst);
        var usage = fixture.Get<ChatUsageService>();
        await usage.SetQuotaAsync(PrincipalType.User, user.Id, 5, None);
        await fixture.As(user, async () =>
        {
            var conversation = await Chat.CreateAsync(model.Name, null, null, None);
            (await Chat.SendAsync(conversation.Id, "First question", null, null, None)).Status.ShouldBe(MessageStatus.Complete);
            var refused = await Should.ThrowAsync<QuotaExceededException>(() => Chat.SendAsync(conversation.Id, "Second question", null, null, None));
            refused.Message.ShouldContain("resets at");
            refused.ResetsAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow);
            (await Chat.GetAsync(conversation.Id, None)).Messages.Count.ShouldBe(2, "a refused question is not half-sent");
            var (limit, used, _) = await usage.RemainingAsync(None);
            limit.ShouldBe(5);
            used.ShouldBeGreaterThanOrEqualTo(5);
        });

        await usage.SetQuotaAsync(PrincipalType.User, user.Id, 0, None);
        (await usage.ListQuotasAsync(None)).ShouldNotContain(q => q.PrincipalId == user.Id);
        var group = await fixture.Get<GroupService>().CreateAsync("llm-" + Guid.NewGuid().ToString("N")[..6], null, None);
        await fixture.Get<GroupService>().AddMemberAsync(group.Id, user.Id, None);
        await usage.SetQuotaAsync(PrincipalType.Group, group.Id, 1, None);
        await fixture.As(user, async () => (await usage.RemainingAsync(None)).Limit.ShouldBe(1));
    }

    [Fact]
    public async Task A_long_conversation_is_cut_to_the_context_window_the_provider_reports_and_without_it_the_provider_refuses()
    {
        var model = await ProviderWithModelAsync(openToAll: true);
        model.ContextTokens.ShouldBe(512, "read from max_model_len in the provider's model list");
        var conversation = await Chat.CreateAsync(model.Name, "You answer briefly.", null, None);

        // Five turns of about 80 tokens a question and up to 32 an answer: more than the 512-token window holds.
        var answers = new List<ConversationMessage>();
        for (var turn = 0; turn < 5; turn++)
        {
            var answer = await Chat.SendAsync(conversation.Id, Question(turn), null, null, None);
            answer.Status.ShouldBe(MessageStatus.Complete, answer.Error);
            answer.PromptTokens.ShouldBeLessThanOrEqualTo(512 - 32, "the server counted what it was sent");
            answers.Add(answer);
        }

        answers[0].OmittedMessages.ShouldBe(0);
        answers[^1].OmittedMessages.ShouldBeGreaterThan(0);

        // The server counted fewer tokens than estimated (Llama's tokenizer: about 4 characters a token, the
        // estimate: 3), and the model keeps that ratio to use its window better.
        var scale = (await fixture.Get<IChatStore>().FindModelAsync(model.Id, None))!.TokenScale;
        scale.ShouldNotBeNull();
        scale.Value.ShouldBeInRange(0.4, 0.95);
        answers[^1].OmittedMessages.ShouldBeLessThan(8, "the newest turn still goes with the question");
        (await Chat.GetAsync(conversation.Id, None)).Messages.Single(m => m.Id == answers[^1].Id).OmittedMessages.ShouldBe(answers[^1].OmittedMessages);

        // Window unknown: the whole history goes, and the provider refuses it as vLLM does; the question stays.
        await Providers.SetModelAsync(model.Id, true, true, null, None);
        var refused = await Chat.SendAsync(conversation.Id, Question(5), null, null, None);
        refused.Status.ShouldBe(MessageStatus.Failed);
        refused.Error!.ShouldContain("maximum context length is 512 tokens");
        (await Chat.GetAsync(conversation.Id, None)).Messages.ShouldContain(m => m.Role == "user" && m.Content == Question(5));

        // A question that alone does not fit (about 700 of the model's tokens) is refused here, before the provider is
        // called or tokens are counted.
        await Providers.SetModelAsync(model.Id, true, true, 512, None);
        var usageBefore = (await fixture.Get<IChatStore>().ListUsageAsync(DateOnly.FromDateTime(DateTime.UtcNow), fixture.Admin.Id, None)).Where(u => u.Model == model.Name).Sum(u => u.Requests);
        var tooLong = await Chat.SendAsync(conversation.Id, string.Join(' ', Enumerable.Repeat(Question(6), 8)), null, null, None);
        tooLong.Status.ShouldBe(MessageStatus.Failed);
        tooLong.Error!.ShouldContain("too long for the model");
        (await fixture.Get<IChatStore>().ListUsageAsync(DateOnly.FromDateTime(DateTime.UtcNow), fixture.Admin.Id, None)).Where(u => u.Model == model.Name).Sum(u => u.Requests).ShouldBe(usageBefore);

        (await Should.ThrowAsync<ValidationException>(() => Providers.SetModelAsync(model.Id, true, true, 100, None))).Message.ShouldContain("256");
    }

    private static string Question(int turn) =>
        $"Question {turn}: the quarterly report lists revenue by region, costs by department and the forecast for next year. " +
        "Which region grew fastest, which department spent the most, and what does the forecast assume about prices? " +
        "Please also compare the margins with last year and say whether the hiring plan fits the budget.";

    private async Task<LlmModel> ProviderWithModelAsync(bool openToAll)
    {
        var provider = await Providers.CreateProviderAsync(new ProviderInput("llama-" + Guid.NewGuid().ToString("N")[..6], llm.BaseUrl, LlmPeer.ApiKey), None);
        var models = await Providers.SyncModelsAsync(provider.Id, None);
        var model = models.Single(m => m.ModelId == LlmPeer.Model);
        model.Enabled.ShouldBeFalse("new models start disabled");
        (await Providers.ListUsableAsync(None)).ShouldNotContain(m => m.Id == model.Id);
        return await Providers.SetModelAsync(model.Id, true, openToAll, model.ContextTokens, None);
    }
}
