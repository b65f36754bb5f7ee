using AiPlatform.Core.Registry;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Registry;

public sealed class ModelPagesTests : PageTestBase
{
    [Fact]
    public async Task Model_pages_list_versions_move_stages_with_history_and_show_a_failed_upload_with_its_reason()
    {
        var registry = Get<RegistryService>();
        var versions = Get<ModelVersionService>();
        var registrar = Get<ModelRegistrar>();
        var model = await registry.CreateModelAsync("fraud-detector", "**Gradient boosting** on card data.", null, default);
        await registrar.CreateVersionFromUploadAsync(model.Id, "broken.onnx", new MemoryStream("junk"u8.ToArray()), null, default);

        var list = Render<ModelsPage>();
        list.WaitForAssertion(() => list.Find("[data-testid=model-link]").TextContent.ShouldBe("fraud-detector"));

        var page = Render<ModelPage>(p => p.Add(x => x.Id, model.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=model-title]").TextContent.ShouldBe("fraud-detector"));
        page.FindAll("[data-testid=version-row]").Count.ShouldBe(1);
        page.Markup.ShouldContain("<strong>Gradient boosting</strong>");
        page.Find("[data-testid=version-stage]").TextContent.ShouldBe("No stage");
        await versions.TransitionStageAsync(model.Id, 1, ModelStage.Archived, false, default);
        var reloaded = Render<ModelPage>(p => p.Add(x => x.Id, model.Id));
        reloaded.WaitForAssertion(() => reloaded.Find("[data-testid=stage-history]").TextContent.ShouldContain("Archived"));

        var version = Render<ModelVersionPage>(p => p.Add(x => x.Id, model.Id).Add(x => x.Version, 1));
        version.WaitForAssertion(() => version.Find("[data-testid=version-status-message]").TextContent.ShouldContain("not a loadable ONNX model"));
        version.Find("[data-testid=model-files]").TextContent.ShouldContain("model.onnx");
    }
}
