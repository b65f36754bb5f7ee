using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Knowledge;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>The knowledge retrieval node on real knowledge bases (MiniLM embeddings, hybrid retrieval) with the rights of the user the app runs as.</summary>
public sealed class KnowledgeNodeTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private IAppNodeExecutor Executor => fixture.Get<IEnumerable<IAppNodeExecutor>>().Single(e => e.Type == AppNodeTypes.Knowledge);

    [Fact]
    public async Task Hits_of_several_bases_are_merged_by_score_with_citations_and_a_revoked_grant_fails_the_node_naming_the_base()
    {
        var handbook = await BaseAsync("handbook.md");
        var planets = await BaseAsync("solar-system.html");
        var runner = await fixture.CreateUserAsync("kbnode" + Suffix(), SystemRoles.DataAnalyst);
        var sharing = fixture.Get<SharingService>();
        var grant = await sharing.GrantAsync(SecurableTypes.KnowledgeBase, handbook.Id, PrincipalType.User, runner.Id, PermissionLevel.Read, None);
        await sharing.GrantAsync(SecurableTypes.KnowledgeBase, planets.Id, PrincipalType.User, runner.Id, PermissionLevel.Read, None);
        var node = Node(AppNodeTypes.Knowledge, new { knowledgeBases = new[] { handbook.Id.ToString(), planets.Id.ToString() }, query = "{{start.question}}", topK = 3 });
        var variables = Json("""{"start": {"question": "Which planet is the hottest?"}}""");

        var outcome = await AsAsync(runner, () => Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None));

        var chunks = outcome.Outputs["chunks"]!.AsArray();
        chunks.Count.ShouldBe(3);
        chunks[0]!["heading"]!.GetValue<string>().ShouldBe("The solar system > Venus");
        chunks[0]!["document"]!.GetValue<string>().ShouldBe("solar-system.html");
        chunks[0]!["knowledgeBaseId"]!.GetValue<string>().ShouldBe(planets.Id.ToString());
        chunks.Select(c => c!["citation"]!.GetValue<int>()).ShouldBe([1, 2, 3]);
        chunks.Select(c => c!["score"]!.GetValue<double>()).ShouldBeInOrder(SortDirection.Descending);
        var text = outcome.Outputs["text"]!.GetValue<string>();
        text.ShouldStartWith("[1] solar-system.html — The solar system > Venus\n");
        text.ShouldContain("[3] ");
        outcome.Inputs!["query"]!.GetValue<string>().ShouldBe("Which planet is the hottest?");

        // The handbook's grant is revoked: the app, running as this user, can no longer read it.
        await sharing.RevokeAsync(SecurableTypes.KnowledgeBase, handbook.Id, grant.Id, None);
        var refused = await AsAsync(runner, () => Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None)));
        refused.MessageKey.ShouldBe("Apps.Error.KnowledgeBaseNotReadable");
        refused.MessageArguments.ShouldBe(["n1", handbook.Id.ToString()]);

        var unknown = Guid.NewGuid();
        var gone = Node(AppNodeTypes.Knowledge, new { knowledgeBases = new[] { unknown.ToString() }, query = "x" });
        (await Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(gone), None))).MessageArguments.ShouldBe(["n1", unknown.ToString()]);
    }

    [Fact]
    public async Task Mode_threshold_and_top_k_apply_and_bad_settings_are_refused()
    {
        var planets = await BaseAsync("solar-system.html");
        var keyword = Node(AppNodeTypes.Knowledge, new { knowledgeBases = new[] { planets.Id.ToString() }, query = "rings of ice", topK = 1, mode = "keyword" });
        var one = await Executor.ExecuteAsync(new TestNodeRunContext(keyword), None);
        one.Outputs["chunks"]!.AsArray().Count.ShouldBe(1);
        one.Inputs!["mode"]!.GetValue<string>().ShouldBe("Keyword");

        var strict = Node(AppNodeTypes.Knowledge, new { knowledgeBases = new[] { planets.Id.ToString() }, query = "How do I descale a coffee machine?", threshold = 0.99, mode = "vector" });
        (await Executor.ExecuteAsync(new TestNodeRunContext(strict), None)).Outputs["chunks"]!.AsArray().ShouldBeEmpty("nothing is that similar");

        foreach (var (settings, key) in new (object Settings, string Key)[]
        {
            (new { knowledgeBases = new[] { planets.Id.ToString() }, query = "x", threshold = 2 }, "Apps.Error.NodeSettingValue"),
            (new { knowledgeBases = new[] { planets.Id.ToString() }, query = "x", mode = "magic" }, "Apps.Error.NodeSettingValue"),
            (new { knowledgeBases = new[] { "not-an-id" }, query = "x" }, "Apps.Error.NodeSettingValue"),
            (new { knowledgeBases = Array.Empty<string>(), query = "x" }, "Apps.Error.NodeSettingMissing"),
            (new { knowledgeBases = new[] { planets.Id.ToString() }, query = "{{start.empty}}" }, "Apps.Error.NodeSettingMissing"),
        })
        {
            var error = await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(Node(AppNodeTypes.Knowledge, settings), Json("""{"start": {"empty": ""}}""")), None));
            error.MessageKey.ShouldBe(key);
        }
    }

    [Fact]
    public async Task The_engine_runs_a_workflow_whose_knowledge_node_cites_its_chunks_and_fails_it_once_the_grant_is_gone()
    {
        var planets = await BaseAsync("solar-system.html");
        var runner = await fixture.CreateUserAsync("kbrun" + Suffix(), SystemRoles.DataAnalyst);
        var sharing = fixture.Get<SharingService>();
        var grant = await sharing.GrantAsync(SecurableTypes.KnowledgeBase, planets.Id, PrincipalType.User, runner.Id, PermissionLevel.Read, None);
        var kb = Node(AppNodeTypes.Knowledge, new { knowledgeBases = new[] { planets.Id.ToString() }, query = "{{start.question}}", topK = 2 }, "kb1");
        var graph = Workflow(["question"], [kb], new Dictionary<string, string> { ["heading"] = "{{kb1.chunks.0.heading}}", ["context"] = "{{kb1.text}}" });
        var inputs = Json("""{"question": "Why is Mars red?"}""");

        var result = await RunAsync(fixture.Get<IAppEngine>(), graph, inputs, runner);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["heading"]!.GetValue<string>().ShouldBe("The solar system > Mars");
        result.Outputs["context"]!.GetValue<string>().ShouldStartWith("[1] solar-system.html — The solar system > Mars");

        await sharing.RevokeAsync(SecurableTypes.KnowledgeBase, planets.Id, grant.Id, None);
        var refused = await RunAsync(fixture.Get<IAppEngine>(), graph, inputs, runner);
        refused.Status.ShouldBe(AppRunStatus.Failed);
        refused.ErrorNodeId.ShouldBe("kb1");
        refused.ErrorKey.ShouldBe("Apps.Error.KnowledgeBaseNotReadable");
        refused.ErrorArguments.ShouldBe(["kb1", planets.Id.ToString()]);
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..6];

    private static async Task<T> AsAsync<T>(CallerIdentity user, Func<Task<T>> action)
    {
        using (ActingCaller.Begin(user))
        {
            return await action();
        }
    }

    private async Task<KnowledgeBase> BaseAsync(string file)
    {
        var kb = await fixture.Get<KnowledgeService>().CreateAsync(new KnowledgeBaseInput("kb-" + Suffix(), null, ChunkSize: 600, ChunkOverlap: 80), None);
        var document = await fixture.Get<KnowledgeDocumentService>().UploadAsync(kb.Id, File.OpenRead(KnowledgeDocuments.CorpusFile(file)), file, None);
        await fixture.Get<JobRunner>().RunAsync(document.JobId!.Value, None);
        return kb;
    }
}
