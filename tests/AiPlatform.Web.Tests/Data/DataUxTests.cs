using System.Text;
using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Data;

/// <summary>Issue 17 on the data pages: Markdown descriptions, profile numbers, upload feedback, the SQL console, empty lists.</summary>
public sealed class DataUxTests : PageTestBase
{
    /// <summary>~10^18 rows: only a cancellation (or the 30 s time limit) ends it.</summary>
    private const string EndlessQuery = "SELECT count(*) FROM range(1000000000) a, range(1000000000) b WHERE a.range + b.range = -1";

    [Fact]
    public async Task A_dataset_description_renders_as_sanitized_markdown_and_a_script_stays_inert()
    {
        var dataset = await Get<DatasetService>().CreateAsync("documented", "Churn of **paying** customers <script>window.pwned = 1</script> [see](javascript:alert(1)) <img src=x onerror=alert(1)>", null, default);

        var page = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=dataset-description] strong").TextContent.ShouldBe("paying"));
        var description = page.Find("[data-testid=dataset-description]");
        description.QuerySelectorAll("script, img, iframe").ShouldBeEmpty();
        description.QuerySelectorAll("*").ShouldAllBe(e => !e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        description.QuerySelectorAll("a").ShouldAllBe(a => !(a.GetAttribute("href") ?? string.Empty).Contains("javascript", StringComparison.OrdinalIgnoreCase));
        description.InnerHtml.ShouldNotContain("<script", Case.Insensitive);
        description.TextContent.ShouldNotContain("**paying**");
    }

    [Fact]
    public async Task The_profile_never_shows_more_distinct_values_than_non_null_rows_and_marks_the_estimate()
    {
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("profiled", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("id,kind\n1,a\n"u8.ToArray()), "p.csv", null, default)).Version;

        // HyperLogLog overestimated: 1,234 "distinct" ids in 1,000 rows, 40 of them null.
        await Get<IDatasetStore>().SaveProfileAsync(new DatasetProfile
        {
            DatasetId = dataset.Id,
            VersionId = version.Id,
            RowCount = 1000,
            CreatedAt = DateTimeOffset.UtcNow,
            Columns =
            [
                new ColumnProfile("id", "BIGINT", 1000, 40, 1234, "1", "1000", 500, 10, 250, 500, 750, [], []),
                new ColumnProfile("kind", "VARCHAR", 1000, 999, 1, "a", "a", null, null, null, null, null, [new ValueCount("a", 1)], []),
            ],
        }, default);

        var panel = Render<ProfilePanel>(p => p.Add(x => x.DatasetId, dataset.Id).Add(x => x.VersionId, version.Id));

        panel.WaitForAssertion(() => panel.FindAll("[data-testid=profile-distinct]").Count.ShouldBe(2));
        var cells = panel.FindAll("[data-testid=profile-distinct]").Select(c => c.TextContent.Trim()).ToList();
        cells[0].ShouldStartWith("≈ 960");
        cells[0].ShouldNotContain("1,234");
        cells[1].ShouldStartWith("1", customMessage: "one non-null value is exactly one distinct value");
        cells[1].ShouldNotContain("≈");
    }

    [Fact]
    public async Task After_an_upload_the_file_chip_is_cleared_and_the_new_version_is_selected_highlighted_and_scrolled_to()
    {
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("uploads", null, null, default);
        await datasets.UploadAsync(dataset.Id, new MemoryStream("n\n1\n"u8.ToArray()), "first.csv", null, default);
        var page = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=dataset-title]").TextContent.ShouldBe("uploads"));
        page.FindAll("[data-testid=version-new]").ShouldBeEmpty();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("n\n1\n2\n", "second-upload.csv"));

        page.WaitForAssertion(() => page.Find("[data-testid=version-new]").TextContent.ShouldContain("v2"));
        page.FindAll("[data-testid=version-new]").Count.ShouldBe(1);
        page.Find("[data-testid=version-new]").ClassList.ShouldContain("version-new");
        page.Find("[data-testid=version-tabs]").TextContent.ShouldContain("Preview of version 2");
        page.WaitForAssertion(() => JSInterop.VerifyInvoke("aiPlatform.scrollIntoView"));
        var upload = page.FindComponent<MudFileUpload<IBrowserFile>>();
        page.WaitForAssertion(() => upload.FindAll(".mud-chip").ShouldBeEmpty());
        upload.Markup.ShouldNotContain("second-upload.csv");
    }

    [Fact]
    public async Task A_failed_upload_clears_the_file_chip_too()
    {
        var dataset = await Get<DatasetService>().CreateAsync("refused-upload", null, null, default);
        var page = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=dataset-title]").TextContent.ShouldBe("refused-upload"));

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("not a table", "notes.docx"));

        // The upload is over once its error was shown.
        var snackbar = Services.GetRequiredService<ISnackbar>();
        page.WaitForAssertion(() => snackbar.ShownSnackbars.ShouldContain(s => (s.Message ?? string.Empty).Contains(".parquet", StringComparison.Ordinal)));
        var upload = page.FindComponent<MudFileUpload<IBrowserFile>>();
        page.WaitForAssertion(() => upload.FindAll(".mud-chip").ShouldBeEmpty());
        upload.Markup.ShouldNotContain("notes.docx");
        page.FindAll("[data-testid=version-new]").ShouldBeEmpty();
        page.FindAll("[data-testid=versions-empty]").Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_version_named_in_the_address_opens_selected_and_highlighted()
    {
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("linked", null, null, default);
        var first = (await datasets.UploadAsync(dataset.Id, new MemoryStream("n\n1\n"u8.ToArray()), "a.csv", null, default)).Version;
        await datasets.UploadAsync(dataset.Id, new MemoryStream("n\n2\n"u8.ToArray()), "b.csv", null, default);

        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/datasets/{dataset.Id}?version={first.Id}");
        var page = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=version-new]").TextContent.ShouldContain("v1"));
        page.Find("[data-testid=version-tabs]").TextContent.ShouldContain("Preview of version 1");
    }

    [Fact]
    public async Task The_sql_console_rounds_doubles_for_display_keeps_the_full_value_and_names_types_one_way()
    {
        var page = Render<SqlConsolePage>();
        page.Find("textarea").Change("SELECT 0.1::DOUBLE + 0.2::DOUBLE AS d, 'x' AS s, 12345678.123456789::DOUBLE AS big, 42 AS n");
        page.Find("[data-testid=sql-run]").Click();

        page.WaitForAssertion(() => page.Find("[data-testid=sql-result]"));
        var cells = page.FindAll("[data-testid=sql-result] tbody td");
        cells[0].TextContent.ShouldBe("0.3");
        cells[0].GetAttribute("title").ShouldBe("0.30000000000000004");
        cells[1].TextContent.ShouldBe("x");
        cells[1].HasAttribute("title").ShouldBeFalse();
        cells[2].TextContent.ShouldBe("12345678.123457");
        cells[3].TextContent.ShouldBe("42");
        page.FindAll("[data-testid=sql-column-type]").Select(t => t.TextContent).ShouldBe(["DOUBLE", "VARCHAR", "DOUBLE", "INTEGER"]);
        var csv = page.Find("[data-testid=sql-csv]").GetAttribute("href")!;
        Encoding.UTF8.GetString(Convert.FromBase64String(csv[(csv.IndexOf(',', StringComparison.Ordinal) + 1)..])).ShouldContain("0.30000000000000004");
    }

    [Theory]
    [InlineData("en", "Syntax error", "could not parse", "read-only")]
    [InlineData("zh-CN", "语法错误", "无法解析", "只读")]
    public void A_typo_in_the_sql_console_is_reported_as_a_syntax_error_in_the_pages_language(string culture, string kind, string sentence, string misleading)
    {
        using (InCulture(culture))
        {
            var page = Render<SqlConsolePage>();
            page.Find("textarea").Change("SELEC 1");
            page.Find("[data-testid=sql-run]").Click();

            page.WaitForAssertion(() => page.Find("[data-testid=sql-error]").TextContent.ShouldContain(kind));
            var error = page.Find("[data-testid=sql-error]").TextContent;
            error.ShouldContain(sentence);
            error.ShouldContain("SELEC", customMessage: "DuckDB's parse error is the detail");
            error.ShouldNotContain(misleading);
        }
    }

    [Fact]
    public void Cancel_stops_a_long_query_in_the_engine_and_the_console_answers_the_next_one()
    {
        var page = Render<SqlConsolePage>();
        page.Find("textarea").Change(EndlessQuery);
        page.Find("[data-testid=sql-run]").Click();

        // While it runs: the Run button shows progress and is disabled, Cancel is offered.
        page.WaitForAssertion(() => page.Find("[data-testid=sql-cancel]"));
        page.Find("[data-testid=sql-running]");
        page.Find("[data-testid=sql-run]").HasAttribute("disabled").ShouldBeTrue();

        page.Find("[data-testid=sql-cancel]").Click();

        // Cancelled, not stopped by the 30 s time limit (that message differs).
        page.WaitForAssertion(() => page.Find("[data-testid=sql-error]").TextContent.ShouldBe("The query was cancelled."));
        page.FindAll("[data-testid=sql-cancel]").ShouldBeEmpty();
        page.FindAll("[data-testid=sql-running]").ShouldBeEmpty();

        page.Find("textarea").Change("SELECT 6 * 7 AS answer");
        page.Find("[data-testid=sql-run]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=sql-result] tbody td").TextContent.ShouldBe("42"));
    }

    [Fact]
    public async Task A_query_without_rows_says_so_with_a_next_step()
    {
        var dataset = await Get<DatasetService>().CreateAsync("towns", null, null, default);
        await Get<DatasetService>().UploadAsync(dataset.Id, new MemoryStream("name\nNice\n"u8.ToArray()), "t.csv", null, default);
        var page = Render<SqlConsolePage>();
        page.Find("textarea").Change("SELECT * FROM towns WHERE name = 'Paris'");
        page.Find("[data-testid=sql-run]").Click();

        page.WaitForAssertion(() => page.Find("[data-testid=sql-no-rows]").TextContent.ShouldContain("no rows"));
        page.Find("[data-testid=sql-no-rows] a").GetAttribute("href").ShouldBe("/datasets");
    }

    [Fact]
    public void Empty_data_pages_say_what_to_do_next()
    {
        var datasets = Render<DatasetsPage>();
        datasets.WaitForAssertion(() => datasets.Find("[data-testid=datasets-empty]"));
        datasets.Find("[data-testid=datasets-empty-create]").TextContent.ShouldBe("New dataset");
        datasets.Find("[data-testid=datasets-empty] a[href='/data-sources']");

        var sources = Render<DataSourcesPage>();
        sources.WaitForAssertion(() => sources.Find("[data-testid=sources-empty]"));
        sources.Find("[data-testid=sources-empty] a[href='/datasets']");

        var console = Render<SqlConsolePage>();
        console.WaitForAssertion(() => console.Find("[data-testid=sql-no-datasets]"));
        console.FindAll("[data-testid=sql-no-datasets] a").Select(a => a.GetAttribute("href")).ShouldBe(["/datasets", "/data-sources"]);
    }

    [Fact]
    public async Task An_empty_dataset_offers_an_import_and_a_source_without_schedules_says_how_to_add_one()
    {
        var dataset = await Get<DatasetService>().CreateAsync("empty-one", null, null, default);
        var page = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=versions-empty]").TextContent.ShouldContain("No versions yet"));
        page.Find("[data-testid=versions-empty] a").GetAttribute("href").ShouldBe("/data-sources");

        var source = await Get<DataSourceService>().CreateAsync(new DataSourceInput("warehouse", DataSourceKind.Postgres, "127.0.0.1", 1, "sales", "reader", "pw"), default);
        var detail = Render<DataSourceDetailPage>(p => p.Add(x => x.Id, source.Id));
        detail.WaitForAssertion(() => detail.Find("[data-testid=schedules-empty]"));
    }

    [Fact]
    public async Task Data_pages_show_kinds_and_formats_in_chinese()
    {
        await Get<DataSourceService>().CreateAsync(new DataSourceInput("仓库", DataSourceKind.Kafka, "127.0.0.1", 1, "", "reader", "pw"), default);
        var dataset = await Get<DatasetService>().CreateAsync("格式", null, null, default);
        await Get<DatasetService>().UploadAsync(dataset.Id, new MemoryStream("n\n1\n"u8.ToArray()), "f.csv", null, default);
        using (InCulture("zh-CN"))
        {
            var sources = Render<DataSourcesPage>();
            sources.WaitForAssertion(() => sources.Find("[data-testid=sources-table]").TextContent.ShouldContain("Kafka 消息流"));

            var page = Render<DatasetDetailPage>(p => p.Add(x => x.Id, dataset.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=version-hash]").TextContent.ShouldContain("CSV（逗号分隔）"));
            page.Find("[data-testid=version-list]").TextContent.ShouldContain("第 1 版");
        }
    }
}
