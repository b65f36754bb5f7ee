using System.Collections;
using System.Globalization;
using System.Resources;
using System.Xml.Linq;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Localization;

/// <summary>Every text MudBlazor can show (pagers, grid filter and column menus, inputs, pickers) reads in Chinese.</summary>
public sealed class MudTextsChineseTests : PageTestBase
{
    [Fact]
    public void Every_text_of_mudblazor_has_a_chinese_resource()
    {
        var mud = new ResourceManager("MudBlazor.Resources.LanguageResource", typeof(MudButton).Assembly)
            .GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)!
            .Cast<DictionaryEntry>()
            .Where(e => e.Value is string text && text.Any(char.IsLetter))
            .Select(e => (string)e.Key)
            .ToList();
        var chinese = XDocument.Load(Path.Combine(RepositoryRoot(), "AiPlatform.Web", "Resources", "SharedResource.zh-CN.resx"))
            .Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet();

        mud.Count.ShouldBeGreaterThan(100);
        mud.Where(k => !chinese.Contains("Mud." + k)).Order(StringComparer.Ordinal).ShouldBeEmpty();
    }

    [Fact]
    public void Grid_filter_and_column_menus_read_in_chinese()
    {
        using var _ = InCulture("zh-CN");
        var interceptor = Services.GetRequiredService<ILocalizationInterceptor>();

        interceptor.Handle("MudDataGrid_AddFilter").Value.ShouldBe("添加筛选");
        interceptor.Handle("MudDataGrid_Contains").Value.ShouldBe("包含");
        interceptor.Handle("MudDataGrid_ShowColumnOptions").Value.ShouldBe("列选项");
        interceptor.Handle("MudNavGroup_ToggleExpand", "数据中台").Value.ShouldBe("展开/折叠数据中台");
        interceptor.Handle("MudTable_SelectRow").Value.ShouldBe("选择行");
    }

    [Fact]
    public async Task The_table_pager_of_an_experiment_reads_in_chinese()
    {
        var project = await Get<AiPlatform.Core.Projects.ProjectService>().CreateAsync("pager", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "pager-experiment", null, default);
        using var _ = InCulture("zh-CN");

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));

        page.WaitForAssertion(() => page.Find(".mud-table-pagination").TextContent.ShouldContain("每页行数"));
        page.Find(".mud-table-pagination").TextContent.ShouldNotContain("Rows per page");
        page.Find(".mud-table-pagination").TextContent.ShouldNotContain(" of ");
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("AiPlatform.sln not found.");
    }
}
