using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Data;

public sealed class DataPagesTests : PageTestBase
{
    [Fact]
    public async Task Data_sources_page_lists_sources_without_their_secrets()
    {
        await Get<DataSourceService>().CreateAsync(new DataSourceInput("warehouse", DataSourceKind.Postgres, "db.internal", 5432, "sales", "reader", "super-secret-pw"), default);

        var page = Render<DataSourcesPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=source-link]").TextContent.ShouldBe("warehouse"));
        page.Markup.ShouldContain("reader@db.internal:5432/sales");
        page.Markup.ShouldNotContain("super-secret-pw");
    }

    [Fact]
    public async Task Datasets_page_lists_datasets_with_tags_and_version_counts()
    {
        var dataset = await Get<DatasetService>().CreateAsync("sales", null, ["finance"], default);
        await Get<DatasetService>().UploadAsync(dataset.Id, new MemoryStream("a\n1\n"u8.ToArray()), "a.csv", null, default);

        var page = Render<DatasetsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=dataset-link]").TextContent.ShouldBe("sales"));
        page.Markup.ShouldContain("finance");
    }

    [Fact]
    public async Task Dataset_page_offers_editing_to_writers_only()
    {
        var dataset = await Get<DatasetService>().CreateAsync("editable", "first", null, default);

        var owner = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));
        owner.WaitForAssertion(() => owner.Find("[data-testid=dataset-title]").TextContent.ShouldBe("editable"));
        owner.FindAll("[data-testid=dataset-edit]").Count.ShouldBe(1);

        var reader = await Get<AiPlatform.Core.Access.UserAdminService>().CreateAsync(new AiPlatform.Core.Access.NewUser("reader", null, null, "Passw0rd-reader"), [], default);
        await Get<AiPlatform.Core.Access.SharingService>().GrantAsync(AiPlatform.Core.Access.SecurableTypes.Dataset, dataset.Id, AiPlatform.Core.Access.PrincipalType.User, reader.Id, AiPlatform.Core.Access.PermissionLevel.Read, default);
        SignIn(reader.Id, "reader");
        var readOnly = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));
        readOnly.WaitForAssertion(() => readOnly.Find("[data-testid=dataset-title]").TextContent.ShouldBe("editable"));
        readOnly.FindAll("[data-testid=dataset-edit]").ShouldBeEmpty();
        readOnly.FindAll("[data-testid=delete-dataset]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Dataset_lineage_lists_the_runs_that_read_the_version()
    {
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("features", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("a\n1\n"u8.ToArray()), "f.csv", null, default)).Version;
        var project = await Get<AiPlatform.Core.Projects.ProjectService>().CreateAsync("lineage-project", null, default);
        var experiments = Get<AiPlatform.Core.Tracking.ExperimentService>();
        var runs = Get<AiPlatform.Core.Tracking.RunService>();
        var experiment = await experiments.CreateExperimentAsync(project.Id, "uses-features", null, default);
        var run = await runs.CreateRunAsync(experiment.Id, "reader-run", null, null, default);
        await Get<AiPlatform.Core.Tracking.RunInputService>().LinkDatasetVersionAsync(run.Run.Id, dataset.Id, version.Id, "training", default);

        var panel = Render<LineagePanel>(p => p.Add(x => x.DatasetId, dataset.Id).Add(x => x.VersionId, version.Id));

        panel.WaitForAssertion(() => panel.Find("[data-testid=lineage-run]").TextContent.ShouldContain("reader-run"));
        panel.Find("[data-testid=lineage-run]").TextContent.ShouldContain("uses-features");
    }

    [Fact]
    public async Task Sql_console_shows_a_refused_statement_as_a_localized_message_without_server_paths()
    {
        var dataset = await Get<DatasetService>().CreateAsync("cities", null, null, default);
        await Get<DatasetService>().UploadAsync(dataset.Id, new MemoryStream("name\n北京\n"u8.ToArray()), "c.csv", null, default);
        using (InCulture("zh-CN"))
        {
            var page = Render<SqlConsolePage>();
            page.Find("textarea").Change("EXPLAIN ANALYZE COPY (SELECT * FROM cities) TO '/tmp/aip-page-escape.parquet' (FORMAT parquet, USE_TMP_FILE false)");
            page.Find("[data-testid=sql-run]").Click();

            page.WaitForAssertion(() => page.Find("[data-testid=sql-error]").TextContent.ShouldContain("不是只读查询"));
            page.Find("[data-testid=sql-error]").TextContent.ShouldContain("ANALYZE");
            page.FindAll("[data-testid=sql-result]").ShouldBeEmpty();
            File.Exists("/tmp/aip-page-escape.parquet").ShouldBeFalse();
        }
    }
}
