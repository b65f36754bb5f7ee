using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Apps.Store;

/// <summary>The evaluation store's list against a real database: one app's evaluations, newest first, paged with the total; once per provider.</summary>
public abstract class AppEvaluationStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private IAppEvaluationStore Store => fixture.Get<IAppEvaluationStore>();

    [Fact]
    public async Task The_list_holds_one_apps_evaluations_newest_first_in_pages_with_the_total()
    {
        var app = await AddAppAsync();
        var other = await AddAppAsync();
        var start = DateTimeOffset.UtcNow;
        var oldest = await AddEvaluationAsync(app.Id, start.AddMinutes(-3));
        var middle = await AddEvaluationAsync(app.Id, start.AddMinutes(-2));
        var newest = await AddEvaluationAsync(app.Id, start.AddMinutes(-1));
        await AddEvaluationAsync(other.Id, start);

        var first = await Store.ListAsync(app.Id, new PageRequest(0, 2), None);
        first.TotalCount.ShouldBe(3);
        first.Items.Select(e => e.Id).ShouldBe([newest.Id, middle.Id]);

        var second = await Store.ListAsync(app.Id, new PageRequest(1, 2), None);
        second.TotalCount.ShouldBe(3);
        second.Items.Select(e => e.Id).ShouldBe([oldest.Id]);

        (await Store.ListAsync(app.Id, new PageRequest(2, 2), None)).ShouldSatisfyAllConditions(
            p => p.TotalCount.ShouldBe(3),
            p => p.Items.ShouldBeEmpty());
        (await Store.ListAsync(Guid.NewGuid(), new PageRequest(), None)).TotalCount.ShouldBe(0);
    }

    private async Task<App> AddAppAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var slug = $"eval-{Guid.NewGuid().ToString("N")[..6]}";
        var app = new App { Id = Guid.CreateVersion7(), Slug = slug, Name = "App " + slug, OwnerId = fixture.Admin.Id, DraftUpdatedAt = now, CreatedAt = now, UpdatedAt = now };
        await fixture.Get<IAppStore>().AddAsync(app, Audit("app.create", app.Id), None);
        return app;
    }

    private async Task<AppEvaluation> AddEvaluationAsync(Guid appId, DateTimeOffset createdAt)
    {
        var evaluation = new AppEvaluation
        {
            Id = Guid.CreateVersion7(),
            AppId = appId,
            VersionNumber = 1,
            DatasetId = Guid.NewGuid(),
            DatasetVersion = 1,
            Status = AppEvaluationStatus.Queued,
            CreatedBy = fixture.Admin.Id,
            CreatedAt = createdAt,
        };
        await Store.AddAsync(evaluation, Audit("app.evaluation.start", appId), None);
        return evaluation;
    }

    private AuditEntry Audit(string action, Guid id) => new() { At = DateTimeOffset.UtcNow, ActorId = fixture.Admin.Id, ActorName = "admin", Action = action, ObjectType = SecurableTypes.App, ObjectId = id.ToString() };
}

public sealed class SqliteAppEvaluationStoreTests(SqliteServicesFixture fixture) : AppEvaluationStoreTests<SqliteServicesFixture>(fixture);

public sealed class PostgresAppEvaluationStoreTests(PostgresServicesFixture fixture) : AppEvaluationStoreTests<PostgresServicesFixture>(fixture);
