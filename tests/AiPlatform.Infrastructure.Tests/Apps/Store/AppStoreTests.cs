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
        await Store.SaveRunsAsync([new(Run(app.Id, fixture.Admin.Id, AppRunStatus.Succeeded, DateTimeOffset.UtcNow), true)], None);
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
            await Store.SaveRunsAsync([new(run, true)], None);
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
        await Store.SaveRunsAsync([new(fresh, false)], None);
        (await Store.FindRunAsync(fresh.Id, None))!.ShouldSatisfyAllConditions(r => r.Answer.ShouldBe("42"), r => r.PromptTokens.ShouldBe(7));
    }

    [Fact]
    public async Task An_app_found_by_its_slug_is_a_copy_and_changes_made_here_are_seen_at_once()
    {
        var app = await AddAsync(fixture.Admin.Id, Name("cached"), null);
        var found = (await Store.FindBySlugAsync(app.Slug, None))!;
        found.Name = "changed by whoever found it";
        (await Store.FindBySlugAsync(app.Slug, None))!.Name.ShouldBe(app.Name);

        var v1 = Version(app.Id, 1);
        app.PublishedVersionId = v1.Id;
        app.PublishedBy = fixture.Admin.Id;
        app.PublishedAt = DateTimeOffset.UtcNow;
        await Store.AddVersionAsync(v1, app, Audit("app.publish", app.Id), None);
        (await Store.FindBySlugAsync(app.Slug, None))!.PublishedVersionId.ShouldBe(v1.Id);
        (await Store.FindVersionAsync(v1.Id, None))!.GraphJson.ShouldBe(v1.GraphJson);

        var old = app.Slug;
        app.Slug = Name("moved");
        await Store.UpdateAsync(app, null, None);
        (await Store.FindBySlugAsync(old, None)).ShouldBeNull();
        (await Store.FindBySlugAsync(app.Slug, None))!.Id.ShouldBe(app.Id);

        await Store.DeleteAsync(app.Id, Audit("app.delete", app.Id), None);
        (await Store.FindBySlugAsync(app.Slug, None)).ShouldBeNull();
    }

    [Fact]
    public async Task The_recorder_writes_a_short_run_once_when_it_ends_and_a_long_one_as_running_first()
    {
        var app = await AddAsync(fixture.Admin.Id, Name("recorded"), null);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var recorder = new AppRunRecorder(Store, new AppSettings { RecordRunningAfterMs = 1000 }, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<AppRunRecorder>.Instance);

        var quick = Run(app.Id, fixture.Admin.Id, AppRunStatus.Running, time.GetUtcNow());
        using (var recording = await recorder.BeginAsync(quick))
        {
            (await Store.FindRunAsync(quick.Id, None)).ShouldBeNull("a run is not written while it has run less than a second");
            quick.Status = AppRunStatus.Succeeded;
            quick.Query = "问\0题";
            quick.Answer = "快";
            await recording.EndAsync();
        }

        await recorder.WaitForRunAsync(quick.Id);
        (await Store.FindRunAsync(quick.Id, None))!.ShouldSatisfyAllConditions(
            r => r.Status.ShouldBe(AppRunStatus.Succeeded),
            r => r.Answer.ShouldBe("快"),
            r => r.Query.ShouldBe("问\uFFFD题", "PostgreSQL refuses NUL in text: the record keeps a replacement character"));

        var slow = Run(app.Id, fixture.Admin.Id, AppRunStatus.Running, time.GetUtcNow());
        using (var recording = await recorder.BeginAsync(slow))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await recorder.WaitForAppAsync(app.Id);
            (await Store.FindRunAsync(slow.Id, None))!.Status.ShouldBe(AppRunStatus.Running, "a run going on for a second is written as Running");
            slow.Status = AppRunStatus.Failed;
            slow.Error = "boom";
            await recording.EndAsync();
        }

        await recorder.WaitForAppAsync(app.Id);
        (await Store.FindRunAsync(slow.Id, None))!.ShouldSatisfyAllConditions(r => r.Status.ShouldBe(AppRunStatus.Failed), r => r.Error.ShouldBe("boom"));
        (await Store.ListRunsAsync(app.Id, null, null, false, null, new PageRequest(), None)).TotalCount.ShouldBe(2);
    }

    [Fact]
    public async Task The_recorder_drops_the_run_of_an_app_deleted_meanwhile_and_still_writes_the_others()
    {
        var gone = await AddAsync(fixture.Admin.Id, Name("gone"), null);
        var kept = await AddAsync(fixture.Admin.Id, Name("kept"), null);
        await using var recorder = new AppRunRecorder(Store, new AppSettings { RecordRunningAfterMs = 60_000 }, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<AppRunRecorder>.Instance);
        var orphan = Run(gone.Id, fixture.Admin.Id, AppRunStatus.Running, DateTimeOffset.UtcNow);
        var other = Run(kept.Id, fixture.Admin.Id, AppRunStatus.Running, DateTimeOffset.UtcNow);
        var first = await recorder.BeginAsync(orphan);
        var second = await recorder.BeginAsync(other);
        await Store.DeleteAsync(gone.Id, Audit("app.delete", gone.Id), None);

        orphan.Status = other.Status = AppRunStatus.Succeeded;
        await first.EndAsync();
        await second.EndAsync();
        await Task.WhenAll(recorder.WaitForRunAsync(orphan.Id), recorder.WaitForRunAsync(other.Id));

        (await Store.FindRunAsync(orphan.Id, None)).ShouldBeNull();
        (await Store.FindRunAsync(other.Id, None))!.Status.ShouldBe(AppRunStatus.Succeeded);
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
