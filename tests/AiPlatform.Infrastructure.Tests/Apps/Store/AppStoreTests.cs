using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Apps.Store;

/// <summary>The app store against a real database: readable lists, the conditional draft save, versions with the pointer, deletes, runs; once per provider.</summary>
public abstract class AppStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private IAppStore Store => fixture.Get<IAppStore>();

    [Fact]
    public async Task Lists_hold_only_readable_apps_and_search_matches_name_slug_and_description()
    {
        var alice = await fixture.CreateUserAsync(UserName("alice"), SystemRoles.AppBuilder);
        var bob = await fixture.CreateUserAsync(UserName("bob"), SystemRoles.AppBuilder);
        var mine = await AddAsync(alice.Id, Name("faq-bot"), "Answers HR questions");
        var theirs = await AddAsync(bob.Id, Name("sql-helper"), null);
        var context = await fixture.As(alice, () => fixture.Get<AccessService>().RequireContextAsync(None));

        var list = await Store.ListReadableAsync(context, null, new PageRequest(0, 500), None);
        list.Items.ShouldContain(a => a.Id == mine.Id);
        list.Items.ShouldNotContain(a => a.Id == theirs.Id);

        await fixture.As(bob, () => fixture.Get<SharingService>().GrantAsync(SecurableTypes.App, theirs.Id, PrincipalType.User, alice.Id, PermissionLevel.Read, None));
        (await Store.ListReadableAsync(context, null, new PageRequest(0, 500), None)).Items.ShouldContain(a => a.Id == theirs.Id);
        (await Store.ListReadableAsync(context, "hr QUESTIONS", new PageRequest(0, 500), None)).Items.Select(a => a.Id).ShouldBe([mine.Id]);
        (await Store.ListReadableAsync(context, theirs.Slug, new PageRequest(0, 500), None)).Items.Select(a => a.Id).ShouldBe([theirs.Id]);
        (await Store.FindBySlugAsync(mine.Slug, None))!.Id.ShouldBe(mine.Id);
        (await Store.SlugTakenAsync(mine.Slug, null, None)).ShouldBeTrue();
        (await Store.SlugTakenAsync(mine.Slug, mine.Id, None)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_second_app_with_a_taken_slug_is_a_conflict_even_when_the_check_was_passed()
    {
        var first = await AddAsync(fixture.Admin.Id, Name("same"), null);
        var clash = NewApp(fixture.Admin.Id, first.Slug);

        await Should.ThrowAsync<ConflictException>(() => Store.AddAsync(clash, Audit("app.create", clash.Id), None));
        (await Store.FindAsync(clash.Id, None)).ShouldBeNull();
    }

    [Fact]
    public async Task The_draft_saves_only_on_the_current_revision_and_an_update_of_the_fields_leaves_it_alone()
    {
        var app = await AddAsync(fixture.Admin.Id, Name("draft"), null);
        var at = DateTimeOffset.UtcNow;

        (await Store.SaveDraftAsync(app.Id, Graph("a"), 0, at, Audit("app.draft.save", app.Id), None)).ShouldBeTrue();
        (await Store.SaveDraftAsync(app.Id, Graph("b"), 0, at, null, None)).ShouldBeFalse("revision 0 is stale now");
        var saved = (await Store.FindAsync(app.Id, None))!;
        saved.DraftRevision.ShouldBe(1);
        saved.DraftJson.ShouldContain("\"a\"");

        app.Name = "Renamed";
        await Store.UpdateAsync(app, null, None);
        var after = (await Store.FindAsync(app.Id, None))!;
        after.Name.ShouldBe("Renamed");
        after.DraftRevision.ShouldBe(1, "the stale copy's revision 0 is not written back");
        after.DraftJson.ShouldContain("\"a\"");
        (await fixture.Get<AuditService>().QueryAsync(new AuditQuery(Action: "app.draft.save", ObjectId: app.Id.ToString()), None)).TotalCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_version_moves_the_pointer_in_the_same_transaction_and_a_taken_number_moves_nothing()
    {
        var app = await AddAsync(fixture.Admin.Id, Name("versions"), null);
        var v1 = Version(app.Id, 1);
        app.PublishedVersionId = v1.Id;
        app.PublishedBy = fixture.Admin.Id;
        app.PublishedAt = DateTimeOffset.UtcNow;
        await Store.AddVersionAsync(v1, app, Audit("app.publish", app.Id), None);
        (await Store.FindAsync(app.Id, None))!.PublishedVersionId.ShouldBe(v1.Id);

        var clash = Version(app.Id, 1);
        app.PublishedVersionId = clash.Id;
        await Should.ThrowAsync<ConflictException>(() => Store.AddVersionAsync(clash, app, Audit("app.publish", app.Id), None));
        (await Store.FindAsync(app.Id, None))!.PublishedVersionId.ShouldBe(v1.Id);
        (await Store.ListVersionsAsync(app.Id, None)).Select(v => v.Id).ShouldBe([v1.Id]);

        var v2 = Version(app.Id, 2);
        app.PublishedVersionId = v2.Id;
        await Store.AddVersionAsync(v2, app, Audit("app.publish", app.Id), None);
        (await Store.ListVersionsAsync(app.Id, None)).Select(v => v.Number).ShouldBe([2, 1]);
        (await Store.FindVersionAsync(app.Id, 1, None))!.Id.ShouldBe(v1.Id);
        (await Store.FindVersionAsync(v2.Id, None))!.Number.ShouldBe(2);
    }

    [Fact]
    public async Task Deleting_removes_versions_runs_keys_and_grants()
    {
        var bob = await fixture.CreateUserAsync(UserName("bob"), SystemRoles.Viewer);
        var app = await AddAsync(fixture.Admin.Id, Name("gone"), null);
        var version = Version(app.Id, 1);
        app.PublishedVersionId = version.Id;
        await Store.AddVersionAsync(version, app, Audit("app.publish", app.Id), None);
        await Store.AddRunAsync(Run(app.Id, fixture.Admin.Id, AppRunStatus.Succeeded, DateTimeOffset.UtcNow), None);
        await Store.AddKeyAsync(new AppApiKey { Id = Guid.NewGuid(), AppId = app.Id, Name = "k", Prefix = "ak-1", Hash = Guid.NewGuid().ToString("N"), CreatedBy = fixture.Admin.Id, CreatedAt = DateTimeOffset.UtcNow }, Audit("app.key.create", app.Id), None);
        await fixture.Get<SharingService>().GrantAsync(SecurableTypes.App, app.Id, PrincipalType.User, bob.Id, PermissionLevel.Read, None);

        await Store.DeleteAsync(app.Id, Audit("app.delete", app.Id), None);

        (await Store.FindAsync(app.Id, None)).ShouldBeNull();
        (await Store.ListVersionsAsync(app.Id, None)).ShouldBeEmpty();
        (await Store.ListRunsAsync(app.Id, null, null, false, null, new PageRequest(), None)).TotalCount.ShouldBe(0);
        (await Store.ListKeysAsync(app.Id, None)).ShouldBeEmpty();
        (await fixture.Get<IAccessStore>().ListGrantsAsync(SecurableTypes.App, app.Id, None)).ShouldBeEmpty();
        (await fixture.Get<AuditService>().QueryAsync(new AuditQuery(Action: "app.delete", ObjectId: app.Id.ToString()), None)).TotalCount.ShouldBe(1);
    }

    [Fact]
    public async Task Runs_filter_by_version_conversation_draft_and_caller_and_only_old_running_ones_are_swept()
    {
        var bob = await fixture.CreateUserAsync(UserName("bob"), SystemRoles.Viewer);
        var app = await AddAsync(fixture.Admin.Id, Name("runs"), null);
        var version = Version(app.Id, 1);
        app.PublishedVersionId = version.Id;
        await Store.AddVersionAsync(version, app, Audit("app.publish", app.Id), None);
        var start = DateTimeOffset.UtcNow;
        var conversation = Guid.NewGuid();
        var draft = Run(app.Id, fixture.Admin.Id, AppRunStatus.Succeeded, start.AddMinutes(-3));
        var published = Run(app.Id, bob.Id, AppRunStatus.Running, start.AddMinutes(-2), version, conversation);
        var fresh = Run(app.Id, bob.Id, AppRunStatus.Running, start.AddMinutes(1), version, conversation);
        foreach (var run in new[] { draft, published, fresh })
        {
            await Store.AddRunAsync(run, None);
        }

        (await Store.ListRunsAsync(app.Id, null, null, false, null, new PageRequest(), None)).Items.Select(r => r.Id).ShouldBe([fresh.Id, published.Id, draft.Id]);
        (await Store.ListRunsAsync(app.Id, 1, null, false, null, new PageRequest(), None)).Items.Select(r => r.Id).ShouldBe([fresh.Id, published.Id]);
        (await Store.ListRunsAsync(app.Id, null, null, true, null, new PageRequest(), None)).Items.Select(r => r.Id).ShouldBe([draft.Id]);
        (await Store.ListRunsAsync(app.Id, null, conversation, false, null, new PageRequest(0, 1), None)).ShouldSatisfyAllConditions(
            p => p.TotalCount.ShouldBe(2),
            p => p.Items.Single().Id.ShouldBe(fresh.Id));
        (await Store.ListRunsAsync(app.Id, null, null, false, fixture.Admin.Id, new PageRequest(), None)).Items.Select(r => r.Id).ShouldBe([draft.Id]);

        (await Store.FailAbandonedRunsAsync(start, "stopped", start, None)).ShouldBe(1);
        var swept = (await Store.FindRunAsync(published.Id, None))!;
        swept.Status.ShouldBe(AppRunStatus.Failed);
        swept.Error.ShouldBe("stopped");
        swept.ErrorKey.ShouldBe("Apps.Error.RunAbandoned");
        swept.EndedAt.ShouldNotBeNull();
        (await Store.FindRunAsync(fresh.Id, None))!.Status.ShouldBe(AppRunStatus.Running, "started after the cut-off: this process's own run");
        (await Store.FindRunAsync(draft.Id, None))!.Status.ShouldBe(AppRunStatus.Succeeded);

        fresh.Status = AppRunStatus.Succeeded;
        fresh.Answer = "42";
        fresh.PromptTokens = 7;
        await Store.UpdateRunAsync(fresh, None);
        (await Store.FindRunAsync(fresh.Id, None))!.ShouldSatisfyAllConditions(r => r.Answer.ShouldBe("42"), r => r.PromptTokens.ShouldBe(7));
    }

    private async Task<App> AddAsync(Guid ownerId, string slug, string? description)
    {
        var app = NewApp(ownerId, slug);
        app.Description = description;
        await Store.AddAsync(app, Audit("app.create", app.Id), None);
        return app;
    }

    private static App NewApp(Guid ownerId, string slug)
    {
        var now = DateTimeOffset.UtcNow;
        return new App { Id = Guid.CreateVersion7(), Slug = slug, Name = "App " + slug, OwnerId = ownerId, DraftUpdatedAt = now, CreatedAt = now, UpdatedAt = now };
    }

    private AppVersion Version(Guid appId, int number) =>
        new() { Id = Guid.CreateVersion7(), AppId = appId, Number = number, GraphJson = Graph("v" + number), CreatedBy = fixture.Admin.Id, CreatedAt = DateTimeOffset.UtcNow };

    private static AppRun Run(Guid appId, Guid caller, AppRunStatus status, DateTimeOffset startedAt, AppVersion? version = null, Guid? conversation = null) => new()
    {
        Id = Guid.CreateVersion7(),
        AppId = appId,
        VersionId = version?.Id,
        VersionNumber = version?.Number,
        Source = version is null ? AppRunSources.Draft : AppRunSources.Api,
        CallerId = caller,
        RunAsId = caller,
        ConversationId = conversation,
        Status = status,
        StartedAt = startedAt,
    };

    private static string Graph(string nodeId) => new AppGraph { Nodes = [new AppNode { Id = nodeId, Type = AppNodeTypes.Start }] }.ToJson();

    private AuditEntry Audit(string action, Guid id) => new() { At = DateTimeOffset.UtcNow, ActorId = fixture.Admin.Id, ActorName = "admin", Action = action, ObjectType = SecurableTypes.App, ObjectId = id.ToString() };

    private static string Name(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private static string UserName(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..6]}";
}

public sealed class SqliteAppStoreTests(SqliteServicesFixture fixture) : AppStoreTests<SqliteServicesFixture>(fixture);

public sealed class PostgresAppStoreTests(PostgresServicesFixture fixture) : AppStoreTests<PostgresServicesFixture>(fixture);
