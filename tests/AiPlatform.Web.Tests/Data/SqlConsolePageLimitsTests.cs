using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Data;

/// <summary>The SQL console page with a 2 s query time limit.</summary>
public sealed class SqlConsolePageLimitsTests : PageTestBase
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Data:SqlTimeout", "00:00:02")];

    [Fact]
    public async Task Sql_console_shows_a_query_stopped_by_the_timeout_in_the_pages_language_and_answers_the_next_one()
    {
        var dataset = await Get<DatasetService>().CreateAsync("城市", null, null, default);
        await Get<DatasetService>().UploadAsync(dataset.Id, new MemoryStream("name\n北京\n上海\n"u8.ToArray()), "c.csv", null, default);
        using (InCulture("zh-CN"))
        {
            var page = Render<SqlConsolePage>();
            page.Find("textarea").Change("SELECT count(*) FROM \"城市\", range(1000000) a, range(1000000) b WHERE a.range + b.range = -1");
            page.Find("[data-testid=sql-run]").Click();

            page.WaitForAssertion(() => page.Find("[data-testid=sql-error]").TextContent.ShouldContain("超出时间限制：查询运行超过 2 秒，已被停止。"));
            page.FindAll("[data-testid=sql-result]").ShouldBeEmpty();

            page.Find("textarea").Change("SELECT name FROM \"城市\" ORDER BY name");
            page.Find("[data-testid=sql-run]").Click();
            page.WaitForAssertion(() => page.Find("[data-testid=sql-result]").TextContent.ShouldContain("北京"));
            page.FindAll("[data-testid=sql-error]").ShouldBeEmpty();
        }
    }
}
