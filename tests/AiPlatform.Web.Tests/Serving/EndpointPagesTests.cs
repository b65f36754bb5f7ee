using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Features.Serving;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Serving;

public sealed class EndpointPagesTests : PageTestBase
{
    [Fact]
    public async Task Deploying_from_the_page_then_trying_it_shows_the_prediction_and_the_traffic()
    {
        var registry = Get<RegistryService>();
        var versions = Get<ModelVersionService>();
        var registrar = Get<ModelRegistrar>();
        var model = await registry.CreateModelAsync("price", null, null, default);
        await registrar.CreateVersionFromUploadAsync(model.Id, "model.onnx", new MemoryStream(TinyOnnxModel.Regression(2)), null, default);
        await registrar.CreateVersionFromUploadAsync(model.Id, "model.onnx", new MemoryStream(TinyOnnxModel.Regression(3)), null, default);

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo($"/endpoints/new?model={model.Id}&target=1");
        var deploy = Render<NewEndpointPage>();
        deploy.WaitForAssertion(() => deploy.Find("[data-testid=deploy-name]").GetAttribute("value").ShouldBe("price"));
        await deploy.Find("[data-testid=deploy-submit]").ClickAsync(new());
        var endpoint = (await Get<EndpointReader>().GetByNameAsync("price", default)).Endpoint;
        endpoint.Status.ShouldBe(EndpointStatus.Ready);

        var page = Render<EndpointPage>(p => p.Add(x => x.Id, endpoint.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=endpoint-title]").TextContent.ShouldBe("price"));
        page.Find("[data-testid=endpoint-status]").GetAttribute("data-status").ShouldBe("Ready");
        page.Find("[data-testid=infer-url]").TextContent.ShouldEndWith("/v2/models/price/infer");
        page.Find("[data-testid=endpoint-signature]").TextContent.ShouldContain("Score.output");

        // Try it with one record: y = 2x + 1.
        page.FindAll(".mud-tab")[1].Click();
        page.WaitForAssertion(() => page.Find("[data-testid=try-x]"));
        page.Find("[data-testid=try-x]").Change("10");
        await page.Find("[data-testid=try-predict]").ClickAsync(new());
        page.WaitForAssertion(() => page.Find("[data-testid=try-prediction]").TextContent.ShouldContain("Score"));
        var score = float.Parse(page.Find("[data-testid=try-prediction] td").TextContent, System.Globalization.CultureInfo.InvariantCulture);
        score.ShouldBe(21f, tolerance: 1.5f);

        // A mistake in the raw request is shown, not thrown.
        page.Find("[data-testid=try-raw]").Change("""{"inputs": [{"name": "z", "shape": [1, 1], "datatype": "FP32", "data": [1]}]}""");
        await page.Find("[data-testid=try-infer]").ClickAsync(new());
        page.WaitForAssertion(() => page.Find("[data-testid=try-error]").TextContent.ShouldContain("'z'"));

        // Canary from the page, then the history and the monitoring table.
        await Get<RolloutService>().SetCanaryAsync(endpoint.Id, "2", 30, default);
        var reloaded = Render<EndpointPage>(p => p.Add(x => x.Id, endpoint.Id));
        reloaded.WaitForAssertion(() => reloaded.Find("[data-testid=canary-chip]").TextContent.ShouldContain("v2"));
        await reloaded.InvokeAsync(() => reloaded.FindAll(".mud-tab")[2].Click());
        reloaded.WaitForAssertion(() => reloaded.Find("[data-testid=metrics-row]").TextContent.ShouldContain("v1"));
        await reloaded.InvokeAsync(() => reloaded.FindAll(".mud-tab")[4].Click());
        reloaded.WaitForAssertion(() => reloaded.FindAll("[data-testid=history-row]").Count.ShouldBeGreaterThanOrEqualTo(3));

        var list = Render<EndpointsPage>();
        list.WaitForAssertion(() => list.Find("[data-testid=endpoint-link]").TextContent.ShouldBe("price"));
        var modelPage = Render<ModelPage>(p => p.Add(x => x.Id, model.Id));
        modelPage.WaitForAssertion(() => modelPage.Find("[data-testid=model-endpoints]").TextContent.ShouldContain("price"));
    }
}
