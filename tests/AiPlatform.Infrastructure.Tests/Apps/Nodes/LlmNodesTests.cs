using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Tests.Builders;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>
/// The LLM, classifier and extractor nodes through the gateway's path against a real OpenAI-compatible server
/// (llama.cpp on a tiny random model: gibberish text, but real JSON grammars, streaming, usage and refusals).
/// </summary>
public sealed class LlmNodesTests(SqliteServicesFixture fixture, LlmPeer llm) : IClassFixture<SqliteServicesFixture>, IClassFixture<LlmPeer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private ProviderService Providers => fixture.Get<ProviderService>();

    private IAppNodeExecutor Executor(string type) => fixture.Get<IEnumerable<IAppNodeExecutor>>().Single(e => e.Type == type);

    [Fact]
    public async Task The_answer_and_its_tokens_count_to_the_user_the_app_runs_as_and_it_streams_when_asked()
    {
        var model = await ModelAsync(openToAll: true);
        var runner = await fixture.CreateUserAsync("llmnode" + Suffix(), SystemRoles.DataAnalyst);
        var node = Node(AppNodeTypes.Llm, new { model = model.Name, systemPrompt = "You answer about {{start.topic}}.", prompt = "Tell me about {{start.topic}}.", temperature = 0.2, maxTokens = 12 });
        var variables = Json("""{"start": {"topic": "owls"}}""");

        var outcome = await AsAsync(runner, () => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node, variables, runAs: runner), None));

        outcome.Outputs["text"]!.GetValue<string>().ShouldNotBeEmpty();
        outcome.Outputs["json"].ShouldBeNull();
        outcome.PromptTokens.ShouldBeGreaterThan(0);
        outcome.CompletionTokens.ShouldBeInRange(1, 12);
        outcome.Model.ShouldBe(model.Name);
        outcome.Outputs["usage"]!["completionTokens"]!.GetValue<long>().ShouldBe(outcome.CompletionTokens);
        var messages = outcome.Inputs!["messages"]!.AsArray();
        messages[0]!["content"]!.GetValue<string>().ShouldBe("You answer about owls.");
        messages[1]!["content"]!.GetValue<string>().ShouldBe("Tell me about owls.");
        var usage = await fixture.Get<IChatStore>().ListUsageAsync(DateOnly.FromDateTime(DateTime.UtcNow), runner.Id, None);
        usage.ShouldContain(u => u.Model == model.Name && u.Source == GatewayService.UsageSource && u.CompletionTokens == outcome.CompletionTokens);

        var streamed = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "Write a story.", maxTokens = 16, stream = true });
        var context = new TestNodeRunContext(streamed, runAs: runner) { StreamingRequested = true };
        var answer = await AsAsync(runner, () => Executor(AppNodeTypes.Llm).ExecuteAsync(context, None));
        context.Events.Count.ShouldBeGreaterThan(1, "the answer streams piece by piece");
        context.Events.ShouldAllBe(e => e.Kind == AppRunEventKind.AnswerDelta && e.NodeId == "n1");
        string.Concat(context.Events.Select(e => e.Text)).ShouldBe(answer.Outputs["text"]!.GetValue<string>());
        answer.CompletionTokens.ShouldBeGreaterThan(0);

        // stream=true on a run that does not stream: one answer, no pieces.
        var quiet = new TestNodeRunContext(streamed, runAs: runner);
        await AsAsync(runner, () => Executor(AppNodeTypes.Llm).ExecuteAsync(quiet, None));
        quiet.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_chat_apps_earlier_turns_are_its_memory()
    {
        var model = await ModelAsync(openToAll: true);
        var node = Node(AppNodeTypes.Llm, new { model = model.Name, systemPrompt = "Be brief.", prompt = "{{sys.query}}", maxTokens = 4, memory = true });
        var app = new App { Id = Guid.NewGuid(), Slug = "chat-memory", Name = "Chat", Kind = AppKind.Chat };
        var request = new AppRunRequest(app, new AppGraph { Nodes = [node] }, null, [], fixture.Admin, AppRunSources.Draft)
        {
            Query = "And the third?",
            History = [new AppChatTurn("First question", "First answer"), new AppChatTurn("Second question", "Second answer")],
        };

        var outcome = await Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node, request: request), None);

        var messages = outcome.Inputs!["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), m["content"]!.GetValue<string>())).ToList();
        messages.ShouldBe([("system", "Be brief."), ("user", "First question"), ("assistant", "First answer"), ("user", "Second question"), ("assistant", "Second answer"), ("user", "And the third?")]);

        var forgetful = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "{{sys.query}}", maxTokens = 4, memory = false });
        var without = await Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(forgetful, request: request), None);
        without.Inputs!["messages"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_json_schema_answer_is_parsed_and_an_answer_that_is_not_json_fails_clearly()
    {
        var model = await ModelAsync(openToAll: true);
        var schema = Json("""{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": false}""");
        var node = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "Is it fine?", jsonSchema = schema, maxTokens = 32 });

        var outcome = await Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None);

        outcome.Outputs["json"]!["ok"]!.GetValueKind().ShouldBeOneOf(System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False);

        // Two tokens cannot hold the object: the answer is cut, and so not JSON.
        var cut = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "Describe it.", jsonSchema = Json("""{"type": "object", "properties": {"description": {"type": "string"}}, "required": ["description"]}"""), maxTokens = 2 });
        var error = await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(cut), None));
        error.MessageKey.ShouldBe("Apps.Error.LlmNotJson");
        error.MessageArguments[0].ShouldBe("n1");

        // A schema given as text that is not a JSON object is a bad setting, refused before any call.
        var bad = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "x", jsonSchema = "{not json" });
        (await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(bad), None))).MessageKey.ShouldBe("Apps.Error.NodeSettingValue");
    }

    [Fact]
    public async Task A_model_the_runner_may_not_use_fails_the_node_until_it_is_granted_and_after_it_is_revoked()
    {
        var model = await ModelAsync(openToAll: false);
        var runner = await fixture.CreateUserAsync("nomodel" + Suffix(), SystemRoles.DataAnalyst);
        var node = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "Hello", maxTokens = 4 });

        var refused = await AsAsync(runner, () => Should.ThrowAsync<NotFoundException>(() => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None)));
        refused.MessageKey.ShouldBe("Apps.Error.LlmModelNotFound");
        refused.MessageArguments.ShouldBe(["n1", model.Name]);

        var sharing = fixture.Get<SharingService>();
        var grant = await sharing.GrantAsync(SecurableTypes.LlmModel, model.Id, PrincipalType.User, runner.Id, PermissionLevel.Read, None);
        (await AsAsync(runner, () => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None))).CompletionTokens.ShouldBeGreaterThan(0);

        await sharing.RevokeAsync(SecurableTypes.LlmModel, model.Id, grant.Id, None);
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await AsAsync(runner, () => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None));
                return false;
            }
            catch (NotFoundException e) when (e.MessageKey == "Apps.Error.LlmModelNotFound")
            {
                return true;
            }
        }, "the revoked model to be refused");

        var missing = Node(AppNodeTypes.Llm, new { prompt = "Hello" });
        (await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(missing), None))).MessageKey.ShouldBe("Apps.Error.NodeSettingMissing");
    }

    [Fact]
    public async Task A_runner_over_their_daily_tokens_is_refused_with_the_reset_time()
    {
        var model = await ModelAsync(openToAll: true);
        var runner = await fixture.CreateUserAsync("llmquota" + Suffix(), SystemRoles.DataAnalyst);
        await fixture.Get<ChatUsageService>().SetQuotaAsync(PrincipalType.User, runner.Id, 5, None);
        var node = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "Hello there", maxTokens = 8 });

        await AsAsync(runner, () => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None));
        var refused = await AsAsync(runner, () => Should.ThrowAsync<QuotaExceededException>(() => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None)));

        refused.MessageKey.ShouldBe("Apps.Error.LlmQuota");
        refused.MessageArguments[0].ShouldBe("n1");
        refused.ResetsAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_provider_that_refuses_fails_the_node_with_its_status_and_the_failed_call_is_recorded()
    {
        await using var failing = new PeerScope(await LlmPeer.StartAsync(failStatus: 503));
        var provider = await Providers.CreateProviderAsync(new ProviderInput("down-" + Suffix(), failing.Peer.BaseUrl, LlmPeer.ApiKey), None);
        var model = (await Providers.SyncModelsAsync(provider.Id, None)).Single(m => m.ModelId == LlmPeer.Model);
        model = await Providers.SetModelAsync(model.Id, true, true, model.ContextTokens, None);
        var node = Node(AppNodeTypes.Llm, new { model = model.Name, prompt = "Hello", maxTokens = 4 });

        var error = await Should.ThrowAsync<ProviderUnavailableException>(() => Executor(AppNodeTypes.Llm).ExecuteAsync(new TestNodeRunContext(node), None));

        error.MessageKey.ShouldBe("Apps.Error.LlmFailed");
        error.MessageArguments[1].ShouldBe(model.Name);
        error.MessageArguments[2].ShouldBeOfType<string>().ShouldContain("503");
    }

    [Fact]
    public async Task The_classifier_picks_one_class_and_goes_on_through_its_port()
    {
        var model = await ModelAsync(openToAll: true);
        var node = Node(AppNodeTypes.Classifier, new
        {
            model = model.Name,
            query = "{{start.question}}",
            classes = new object[] { new { name = "billing", description = "invoices and payments" }, new { name = "technical", description = "errors and bugs" }, new { name = "other" } },
            instructions = "Prefer technical when unsure.",
        });

        var outcome = await Executor(AppNodeTypes.Classifier).ExecuteAsync(new TestNodeRunContext(node, Json("""{"start": {"question": "My invoice is wrong"}}""")), None);

        var name = outcome.Outputs["class"]!.GetValue<string>();
        var index = outcome.Outputs["classIndex"]!.GetValue<int>();
        new[] { "billing", "technical", "other" }[index].ShouldBe(name);
        outcome.Ports.ShouldBe([$"class-{index}"]);
        outcome.CompletionTokens.ShouldBeGreaterThan(0);
        outcome.Inputs!["query"]!.GetValue<string>().ShouldBe("My invoice is wrong");

        var none = Node(AppNodeTypes.Classifier, new { model = model.Name, query = "x", classes = Array.Empty<object>() });
        (await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Classifier).ExecuteAsync(new TestNodeRunContext(none), None))).MessageKey.ShouldBe("Apps.Error.ClassifierClasses");
        var twice = Node(AppNodeTypes.Classifier, new { model = model.Name, query = "x", classes = new object[] { new { name = "a" }, new { name = "A" } } });
        (await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Classifier).ExecuteAsync(new TestNodeRunContext(twice), None))).MessageKey.ShouldBe("Apps.Error.ClassifierClasses");
    }

    [Fact]
    public async Task The_extractor_returns_its_parameters_typed_and_refuses_parameters_it_cannot_extract()
    {
        var model = await ModelAsync(openToAll: true);
        var node = Node(AppNodeTypes.Extractor, new
        {
            model = model.Name,
            query = "{{start.text}}",
            parameters = new object[]
            {
                new { name = "urgent", type = "boolean", description = "whether it is urgent", required = true },
                new { name = "refund", type = "boolean", required = true },
            },
        });

        var outcome = await Executor(AppNodeTypes.Extractor).ExecuteAsync(new TestNodeRunContext(node, Json("""{"start": {"text": "Please refund me now, it is urgent!"}}""")), None);

        outcome.Outputs["urgent"]!.GetValueKind().ShouldBeOneOf(System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False);
        outcome.Outputs["refund"]!.GetValueKind().ShouldBeOneOf(System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False);
        outcome.Outputs["json"]!.AsObject().Select(p => p.Key).ShouldBe(["urgent", "refund"]);
        outcome.PromptTokens.ShouldBeGreaterThan(0);

        var bad = Node(AppNodeTypes.Extractor, new { model = model.Name, query = "x", parameters = new object[] { new { name = "when", type = "date" } } });
        var error = await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Extractor).ExecuteAsync(new TestNodeRunContext(bad), None));
        error.MessageKey.ShouldBe("Apps.Error.ExtractorParameter");
        error.MessageArguments.ShouldBe(["n1", "when", "date"]);
        var reserved = Node(AppNodeTypes.Extractor, new { model = model.Name, query = "x", parameters = new object[] { new { name = "json", type = "string" } } });
        (await Should.ThrowAsync<ValidationException>(() => Executor(AppNodeTypes.Extractor).ExecuteAsync(new TestNodeRunContext(reserved), None))).MessageKey.ShouldBe("Apps.Error.ExtractorParameter");
    }

    [Fact]
    public async Task The_engine_streams_a_chat_apps_llm_answer_piece_by_piece()
    {
        var model = await ModelAsync(openToAll: true);
        var chat = new AppGraph
        {
            Nodes =
            [
                Node(AppNodeTypes.Start, new { fields = Array.Empty<object>() }, "start"),
                Node(AppNodeTypes.Llm, new { model = model.Name, systemPrompt = "You are {{sys.user}}'s assistant.", prompt = "{{sys.query}}", maxTokens = 12, stream = true }, "llm1"),
                Node(AppNodeTypes.Answer, new { text = "{{llm1.text}}" }, "answer"),
            ],
            Edges = [new AppEdge { Source = "start", Target = "llm1" }, new AppEdge { Source = "llm1", Target = "answer" }],
        };
        var events = new List<AppRunEvent>();

        var result = await RunAsync(fixture.Get<IAppEngine>(), chat, [], fixture.Admin, AppKind.Chat, e =>
        {
            lock (events)
            {
                events.Add(e);
            }

            return ValueTask.CompletedTask;
        }, "Hello, who are you?");

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        var deltas = events.Where(e => e.Kind == AppRunEventKind.AnswerDelta).ToList();
        deltas.Count.ShouldBeGreaterThan(1, "the LLM node's answer streams through the run");
        deltas.ShouldAllBe(e => e.NodeId == "llm1");
        string.Concat(deltas.Select(d => d.Text)).ShouldBe(result.Answer);
        result.CompletionTokens.ShouldBeGreaterThan(0);
        var llmRun = result.Nodes.Single(n => n.NodeId == "llm1");
        llmRun.Model.ShouldBe(model.Name);
        llmRun.Inputs!["messages"]![0]!["content"]!.GetValue<string>().ShouldBe("You are admin's assistant.");
    }

    [Fact]
    public async Task The_engine_runs_an_extractor_then_a_classifier_whose_class_picks_the_branch()
    {
        var model = await ModelAsync(openToAll: true);
        var extractor = Node(AppNodeTypes.Extractor, new { model = model.Name, query = "{{start.text}}", parameters = new object[] { new { name = "urgent", type = "boolean", required = true } } }, "ex");
        var classifier = Node(AppNodeTypes.Classifier, new { model = model.Name, query = "{{start.text}} (urgent: {{ex.urgent}})", classes = new object[] { new { name = "complaint" }, new { name = "praise" } } }, "cls");
        var graph = Workflow(["text"], [extractor, classifier], new Dictionary<string, string> { ["branch"] = "complaint", ["urgent"] = "{{ex.urgent}}" });
        var praise = Node(AppNodeTypes.End, new { outputs = new object[] { new { name = "branch", value = "praise" }, new { name = "urgent", value = "{{ex.urgent}}" } } }, "end2");
        graph.Nodes.Add(praise);
        graph.Edges.Single(e => e.Source == "cls").SourcePort = "class-0";
        graph.Edges.Add(new AppEdge { Source = "cls", SourcePort = "class-1", Target = "end2" });

        var result = await RunAsync(fixture.Get<IAppEngine>(), graph, Json("""{"text": "The parcel arrived broken, I want my money back now!"}"""), fixture.Admin);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        var chosen = result.Nodes.Single(n => n.NodeId == "cls").Outputs!["classIndex"]!.GetValue<int>();
        result.Outputs["branch"]!.GetValue<string>().ShouldBe(chosen == 0 ? "complaint" : "praise");
        result.Nodes.Single(n => n.NodeId == (chosen == 0 ? "end2" : "end")).Status.ShouldBe(NodeExecutionStatus.Skipped);
        result.Outputs["urgent"]!.GetValueKind().ShouldBeOneOf(System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False);
        result.PromptTokens.ShouldBeGreaterThan(0);
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..6];

    private static async Task<T> AsAsync<T>(CallerIdentity user, Func<Task<T>> action)
    {
        using (ActingCaller.Begin(user))
        {
            return await action();
        }
    }

    private async Task<LlmModel> ModelAsync(bool openToAll)
    {
        var provider = await Providers.CreateProviderAsync(new ProviderInput("llama-" + Suffix(), llm.BaseUrl, LlmPeer.ApiKey), None);
        var model = (await Providers.SyncModelsAsync(provider.Id, None)).Single(m => m.ModelId == LlmPeer.Model);
        return await Providers.SetModelAsync(model.Id, true, openToAll, model.ContextTokens, None);
    }

    private sealed class PeerScope(LlmPeer peer) : IAsyncDisposable
    {
        public LlmPeer Peer => peer;

        public async ValueTask DisposeAsync() => await peer.DisposeAsync();
    }
}
