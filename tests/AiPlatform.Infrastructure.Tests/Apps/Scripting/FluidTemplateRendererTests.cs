using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Infrastructure.Apps;

namespace AiPlatform.Infrastructure.Tests.Apps.Scripting;

public sealed class FluidTemplateRendererTests
{
    [Fact]
    public async Task Renders_liquid_over_the_model_without_html_encoding()
    {
        var renderer = new FluidTemplateRenderer(new AppSettings());
        var model = new JsonObject
        {
            ["name"] = "Ada & <Bob>",
            ["items"] = new JsonArray(new JsonObject { ["title"] = "one", ["score"] = 0.5 }, new JsonObject { ["title"] = "two", ["score"] = 2 }),
            ["flag"] = true,
        };

        var text = await renderer.RenderAsync("Hi {{ name }}!{% for i in items %} {{ forloop.index }}:{{ i.title | upcase }}={{ i.score }}{% endfor %}{% if flag %} yes{% endif %} {{ items.size }}", model, CancellationToken.None);

        text.ShouldBe("Hi Ada & <Bob>! 1:ONE=0.5 2:TWO=2 yes 2");
    }

    [Fact]
    public async Task A_template_that_does_not_parse_is_refused()
    {
        var renderer = new FluidTemplateRenderer(new AppSettings());

        var error = await Should.ThrowAsync<ValidationException>(() => renderer.RenderAsync("{% for x in items %} no end", [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.TemplateInvalid");
        renderer.Check("{% if %}").ShouldNotBeNull();
        renderer.Check("{{ ok }}").ShouldBeNull();
    }

    [Fact]
    public async Task Output_is_bounded()
    {
        var renderer = new FluidTemplateRenderer(new AppSettings { MaxTemplateOutputChars = 1000 });

        var error = await Should.ThrowAsync<ValidationException>(() => renderer.RenderAsync("{% for i in (1..500) %}abcdefghij{% endfor %}", [], CancellationToken.None));

        error.MessageKey.ShouldBe("Apps.Error.TemplateFailed");
    }
}
