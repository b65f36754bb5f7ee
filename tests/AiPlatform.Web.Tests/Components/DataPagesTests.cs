using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Components;

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
}
