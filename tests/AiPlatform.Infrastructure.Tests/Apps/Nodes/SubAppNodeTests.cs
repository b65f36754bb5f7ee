using System.Text;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Tests.Builders;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>
/// The sub-app node through the real engine, app store and app services: a published app found by slug with the
/// runner's Read, run one level deeper with its publisher's rights, refused past the depth limit, unreadable or unpublished.
/// </summary>
public sealed class SubAppNodeTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_published_app_runs_with_its_publishers_rights_for_a_runner_who_may_read_it()
    {
        var (child, dataset, datasetGrant, owner) = await PublishedChildAsync();
        var runner = await fixture.CreateUserAsync("runner" + Suffix(), SystemRoles.DataAnalyst);
        var parent = Parent(child.Slug);
        var inputs = Json("""{"name": "Ada"}""");

        // The runner may not read the child app: for them it does not exist.
        var hidden = await RunAsync(fixture.Get<IAppEngine>(), parent, inputs, runner);
        hidden.Status.ShouldBe(AppRunStatus.Failed);
        hidden.ErrorNodeId.ShouldBe("sub");
        hidden.ErrorKey.ShouldBe("Apps.Error.SubAppNotFound");
        hidden.ErrorArguments.ShouldBe(["sub", child.Slug]);

        // With Read on the app (and still none on its dataset) it runs, reading the dataset with the publisher's rights.
        var sharing = fixture.Get<SharingService>();
        await sharing.GrantAsync(SecurableTypes.App, child.Id, PrincipalType.User, runner.Id, PermissionLevel.Read, None);
        var result = await RunAsync(fixture.Get<IAppEngine>(), parent, inputs, runner);
        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["greeting"]!.GetValue<string>().ShouldBe("Hello Ada");
        result.Outputs["rows"]!.GetValue<int>().ShouldBe(3);
        var sub = result.Nodes.Single(n => n.NodeId == "sub");
        sub.Inputs!["app"]!.GetValue<string>().ShouldBe(child.Slug);
        sub.Inputs!["depth"]!.GetValue<int>().ShouldBe(1);
        sub.Outputs!["outputs"]!["greeting"]!.GetValue<string>().ShouldBe("Hello Ada");
        (await fixture.Get<DatasetService>().GetAsync(dataset.Id, None)).Level.ShouldBe(PermissionLevel.Manage, "the admin owns it");
        await fixture.As(runner, async () => await Should.ThrowAsync<Core.Common.NotFoundException>(() => fixture.Get<DatasetService>().GetAsync(dataset.Id, None)));

        // The publisher loses the dataset: the sub-app fails at its SQL node, and the parent says where.
        await sharing.RevokeAsync(SecurableTypes.Dataset, dataset.Id, datasetGrant, None);
        var failed = await RunAsync(fixture.Get<IAppEngine>(), parent, inputs, runner);
        failed.Status.ShouldBe(AppRunStatus.Failed);
        failed.ErrorNodeId.ShouldBe("sub");
        failed.ErrorKey.ShouldBe("Apps.Error.SubAppFailed");
        failed.ErrorArguments![0].ShouldBe("sub");
        failed.ErrorArguments[1].ShouldBe(child.Slug);
        failed.ErrorArguments[2].ShouldBe("sql");
        owner.ShouldNotBe(runner);
    }

    [Fact]
    public async Task A_read_only_caller_cannot_reach_a_writing_node_through_a_sub_app()
    {
        // The child posts to a ticket system; the check before a published run normally refuses this, but a child
        // published after that check is still caught when the sub-app node runs.
        var graph = Workflow([], [Node(AppNodeTypes.Http, new { method = "POST", url = "https://tickets.example.org/api", body = "{}" }, "hook")], new Dictionary<string, string> { ["status"] = "{{hook.status}}" });
        var apps = fixture.Get<AppService>();
        var child = await apps.CreateAsync(new AppInput("Ticket", "ticket-" + Suffix(), null), None);
        await apps.SaveDraftAsync(child.Id, graph, (await apps.GetDraftAsync(child.Id, None)).Revision, None);
        await fixture.Get<AppVersionService>().PublishAsync(child.Id, "first", None);
        var parent = Parent(child.Slug);
        var app = new App { Id = Guid.NewGuid(), Slug = "outer-" + Suffix(), Name = "Outer", OwnerId = fixture.Admin.Id };
        var readOnly = fixture.Admin with { ReadOnly = true };

        var refused = await fixture.Get<IAppEngine>().RunAsync(new AppRunRequest(app, parent, null, Json("""{"name": "Ada"}"""), fixture.Admin, AppRunSources.Api) { Caller = readOnly }, null, None);
        refused.Status.ShouldBe(AppRunStatus.Failed);
        refused.ErrorNodeId.ShouldBe("sub");
        refused.ErrorKey.ShouldBe("Apps.Error.ReadOnlyWrites");
        refused.ErrorArguments.ShouldBe([$"sub → {child.Slug}/hook"]);
        (await AppWrites.FindWriterAsync(await PublishedGraphAsync(parent), fixture.Get<IAppStore>(), None)).ShouldBe($"sub → {child.Slug}/hook");
        AppWrites.FindWriter(parent).ShouldBeNull("the parent itself sends nothing");
    }

    /// <summary>The graph as a publish pins it: sub-app nodes carry the id of the app their slug names.</summary>
    private async Task<AppGraph> PublishedGraphAsync(AppGraph draft)
    {
        var apps = fixture.Get<AppService>();
        var holder = await apps.CreateAsync(new AppInput("Holder", "holder-" + Suffix(), null), None);
        await apps.SaveDraftAsync(holder.Id, draft, (await apps.GetDraftAsync(holder.Id, None)).Revision, None);
        var version = await fixture.Get<AppVersionService>().PublishAsync(holder.Id, "pinned", None);
        return AppGraph.FromJson(version.GraphJson);
    }

    [Fact]
    public async Task Nesting_stops_at_the_depth_limit_and_unpublished_or_unknown_apps_are_refused()
    {
        var (child, _, _, _) = await PublishedChildAsync();
        var parent = Parent(child.Slug);
        var max = fixture.Get<AppSettings>().MaxSubAppDepth;
        var app = new App { Id = Guid.NewGuid(), Slug = "deep-" + Suffix(), Name = "Deep", OwnerId = fixture.Admin.Id };

        var deepest = await fixture.Get<IAppEngine>().RunAsync(new AppRunRequest(app, parent, null, Json("""{"name": "Ada"}"""), fixture.Admin, AppRunSources.SubApp) { Depth = max - 1 }, null, None);
        deepest.Status.ShouldBe(AppRunStatus.Succeeded, deepest.Error);

        var tooDeep = await fixture.Get<IAppEngine>().RunAsync(new AppRunRequest(app, parent, null, Json("""{"name": "Ada"}"""), fixture.Admin, AppRunSources.SubApp) { Depth = max }, null, None);
        tooDeep.Status.ShouldBe(AppRunStatus.Failed);
        tooDeep.ErrorNodeId.ShouldBe("sub");
        tooDeep.ErrorKey.ShouldBe("Apps.Error.SubAppTooDeep");
        tooDeep.ErrorArguments.ShouldBe(["sub", max.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var draftOnly = await fixture.Get<AppService>().CreateAsync(new AppInput("Draft only", "draft-" + Suffix(), null), None);
        var unpublished = await RunAsync(fixture.Get<IAppEngine>(), Parent(draftOnly.Slug), Json("""{"name": "Ada"}"""), fixture.Admin);
        unpublished.ErrorKey.ShouldBe("Apps.Error.SubAppNotPublished");

        var unknown = await RunAsync(fixture.Get<IAppEngine>(), Parent("no-such-app-" + Suffix()), Json("""{"name": "Ada"}"""), fixture.Admin);
        unknown.ErrorKey.ShouldBe("Apps.Error.SubAppNotFound");
    }

    [Fact]
    public async Task A_chat_sub_app_answers_the_query_it_is_given()
    {
        var chat = new AppGraph
        {
            Nodes =
            [
                Node(AppNodeTypes.Start, new { fields = Array.Empty<object>() }, "start"),
                Node(AppNodeTypes.Answer, new { text = "You asked: {{sys.query}}" }, "answer"),
            ],
            Edges = [new AppEdge { Source = "start", Target = "answer" }],
        };
        var apps = fixture.Get<AppService>();
        var created = await apps.CreateAsync(new AppInput("Echo", "echo-" + Suffix(), null, AppKind.Chat), None);
        await apps.SaveDraftAsync(created.Id, chat, (await apps.GetDraftAsync(created.Id, None)).Revision, None);
        await fixture.Get<AppVersionService>().PublishAsync(created.Id, null, None);
        var parent = Workflow(
            ["question"],
            [Node(AppNodeTypes.SubApp, new { app = created.Slug, query = "{{start.question}}?" }, "sub")],
            new Dictionary<string, string> { ["reply"] = "{{sub.answer}}" });

        var result = await RunAsync(fixture.Get<IAppEngine>(), parent, Json("""{"question": "Why is the sky blue"}"""), fixture.Admin);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["reply"]!.GetValue<string>().ShouldBe("You asked: Why is the sky blue?");
    }

    [Fact]
    public async Task A_published_parent_keeps_calling_the_app_it_was_published_with_when_its_slug_is_taken_by_another()
    {
        var (child, _, _, owner) = await PublishedChildAsync();
        var apps = fixture.Get<AppService>();
        var parentApp = await apps.CreateAsync(new AppInput("Parent", "parent-" + Suffix(), null), None);
        await apps.SaveDraftAsync(parentApp.Id, Parent(child.Slug), (await apps.GetDraftAsync(parentApp.Id, None)).Revision, None);
        var version = await fixture.Get<AppVersionService>().PublishAsync(parentApp.Id, null, None);

        // The version names the sub-app by id; the draft keeps only the slug.
        AppGraph.FromJson(version.GraphJson).Find("sub")!.Config["appId"]!.GetValue<string>().ShouldBe(child.Id.ToString());
        (await apps.GetDraftAsync(parentApp.Id, None)).Graph.Find("sub")!.Config.ContainsKey("appId").ShouldBeFalse();

        // The sub-app is renamed; an attacker takes its old slug with a published look-alike everyone may read.
        var oldSlug = child.Slug;
        await fixture.As(owner, () => apps.UpdateAsync(child.Id, new AppInput(child.Name, "renamed-" + Suffix(), null), None));
        var attacker = await fixture.CreateUserAsync("attacker" + Suffix(), SystemRoles.AppBuilder);
        await fixture.As(attacker, async () =>
        {
            var fake = await apps.CreateAsync(new AppInput("Greeter", oldSlug, null), None);
            var graph = Workflow(["name"], [], new Dictionary<string, string> { ["greeting"] = "pwned {{start.name}}", ["rows"] = "0" });
            await apps.SaveDraftAsync(fake.Id, graph, (await apps.GetDraftAsync(fake.Id, None)).Revision, None);
            await fixture.Get<AppVersionService>().PublishAsync(fake.Id, null, None);
            await fixture.Get<SharingService>().GrantAsync(SecurableTypes.App, fake.Id, PrincipalType.User, fixture.Admin.Id, PermissionLevel.Read, None);
        });

        var runs = fixture.Get<AppRunService>();
        var run = await runs.RunPublishedAsync(parentApp.Slug, new AppRunInput(Json("""{"name": "Ada"}""")), AppRunSources.Api, null, None);
        run.Status.ShouldBe(AppRunStatus.Succeeded, run.Error);
        JsonNode.Parse(run.OutputsJson!)!["greeting"]!.GetValue<string>().ShouldBe("Hello Ada");

        // A draft run follows the slug as it is now (the author sees what a new publish would call).
        var draft = await RunAsync(fixture.Get<IAppEngine>(), Parent(oldSlug), Json("""{"name": "Ada"}"""), fixture.Admin);
        draft.Outputs["greeting"]!.GetValue<string>().ShouldBe("pwned Ada");

        // The original app is deleted: the published parent fails clearly rather than call the look-alike.
        await fixture.As(owner, () => apps.DeleteAsync(child.Id, None));
        var gone = await runs.RunPublishedAsync(parentApp.Slug, new AppRunInput(Json("""{"name": "Ada"}""")), AppRunSources.Api, null, None);
        gone.Status.ShouldBe(AppRunStatus.Failed);
        gone.ErrorKey.ShouldBe("Apps.Error.SubAppNotFound");
        (gone.OutputsJson ?? string.Empty).ShouldNotContain("pwned");
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..6];

    /// <summary>start(name) → sub-app → end(greeting, rows).</summary>
    private static AppGraph Parent(string slug) => Workflow(
        ["name"],
        [Node(AppNodeTypes.SubApp, new { app = slug, inputs = new { name = "{{start.name}}" } }, "sub")],
        new Dictionary<string, string> { ["greeting"] = "{{sub.outputs.greeting}}", ["rows"] = "{{sub.outputs.rows}}" });

    /// <summary>
    /// A workflow app built and published by an app builder who was given Read on a dataset the admin owns: it greets by
    /// name and counts the dataset's rows.
    /// </summary>
    private async Task<(App App, Dataset Dataset, Guid DatasetGrant, CallerIdentity Owner)> PublishedChildAsync()
    {
        var owner = await fixture.CreateUserAsync("builder" + Suffix(), SystemRoles.AppBuilder);
        var datasets = fixture.Get<DatasetService>();
        var dataset = await datasets.CreateAsync("people_" + Suffix(), null, null, None);
        await datasets.UploadAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes("name\nAda\nGrace\nLinus\n")), "people.csv", null, None);
        var grant = await fixture.Get<SharingService>().GrantAsync(SecurableTypes.Dataset, dataset.Id, PrincipalType.User, owner.Id, PermissionLevel.Read, None);
        var graph = Workflow(
            ["name"],
            [Node(AppNodeTypes.Sql, new { datasets = new[] { dataset.Id.ToString() }, sql = $"SELECT name FROM \"{dataset.Name}\"" }, "sql")],
            new Dictionary<string, string> { ["greeting"] = "Hello {{start.name}}", ["rows"] = "{{sql.rowCount}}" });
        var app = await fixture.As(owner, async () =>
        {
            var apps = fixture.Get<AppService>();
            var created = await apps.CreateAsync(new AppInput("Greeter", "greeter-" + Suffix(), null), None);
            var draft = await apps.GetDraftAsync(created.Id, None);
            await apps.SaveDraftAsync(created.Id, graph, draft.Revision, None);
            await fixture.Get<AppVersionService>().PublishAsync(created.Id, "first", None);
            return (await apps.GetAsync(created.Id, None)).App;
        });
        app.PublishedBy.ShouldBe(owner.Id);
        return (app, dataset, grant.Id, owner);
    }
}
