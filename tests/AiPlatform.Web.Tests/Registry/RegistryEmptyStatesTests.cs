using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Tests.Registry;

/// <summary>Registry pages in Chinese: empty lists say what to do next, formats are named, refusals are translated.</summary>
public sealed class RegistryEmptyStatesTests : PageTestBase
{
    [Fact]
    public void An_empty_registry_offers_registering_from_a_run_or_creating_a_model_in_chinese()
    {
        using var _ = InCulture("zh-CN");
        var list = Render<ModelsPage>();

        list.WaitForAssertion(() => list.Find("[data-testid=models-empty]"));
        var empty = list.Find("[data-testid=models-empty]");
        empty.TextContent.ShouldContain("还没有注册模型");
        empty.TextContent.ShouldContain("从运行注册");
        list.Find("[data-testid=models-empty-runs]").GetAttribute("href").ShouldBe("/experiments");
        list.FindAll("[data-testid=models-empty-new]").Count.ShouldBe(1, "the administrator may create a model to upload to");
    }

    [Fact]
    public async Task A_model_page_names_the_format_and_says_what_to_do_without_versions_or_stage_changes()
    {
        var registry = Get<RegistryService>();
        var empty = await registry.CreateModelAsync("no-versions", null, null, default);
        var uploaded = await registry.CreateModelAsync("uploaded", null, null, default);
        await Get<ModelRegistrar>().CreateVersionFromUploadAsync(uploaded.Id, "model.onnx", new MemoryStream(TinyOnnxModel.Regression(2)), null, default);
        using var _ = InCulture("zh-CN");

        var none = Render<ModelPage>(p => p.Add(x => x.Id, empty.Id));
        none.WaitForAssertion(() => none.Find("[data-testid=versions-empty]").TextContent.ShouldContain("还没有版本"));
        none.FindAll("[data-testid=versions-table]").ShouldBeEmpty();

        var page = Render<ModelPage>(p => p.Add(x => x.Id, uploaded.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=version-row]").Count.ShouldBe(1));
        var row = page.Find("[data-testid=version-row]").TextContent;
        row.ShouldContain("ONNX", Case.Sensitive);
        row.ShouldNotContain("Onnx", Case.Sensitive);
        row.ShouldMatch(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}");
        page.Find("[data-testid=model-endpoints-empty]").TextContent.ShouldContain("部署");
        page.Find("[data-testid=stage-history-empty]").TextContent.ShouldContain("还没有阶段变更");
    }

    [Fact]
    public async Task Registry_refusals_are_shown_in_the_users_language_with_their_details()
    {
        var registry = Get<RegistryService>();
        await registry.CreateModelAsync("taken", null, null, default);
        var L = Get<IStringLocalizer<SharedResource>>();

        var invalid = await Should.ThrowAsync<ValidationException>(() => registry.CreateModelAsync("a/b", null, null, default));
        var exists = await Should.ThrowAsync<AlreadyExistsException>(() => registry.CreateModelAsync("taken", null, null, default));
        using var _ = InCulture("zh-CN");

        L.Describe(invalid).ShouldContain("模型名称为 1 到 256 个字符");
        L.Describe(exists).ShouldContain("已存在名为“taken”的注册模型");
    }
}
