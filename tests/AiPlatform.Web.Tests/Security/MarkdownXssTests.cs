using AiPlatform.Core.Chat;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Persistence;
using AiPlatform.Web.Features.Chat;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Security;
using AiPlatform.Web.Tests.Builders;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Web.Tests.Security;

/// <summary>
/// Stored XSS through Markdown: every Markdown field (run notes, experiment description, registered model and model
/// version descriptions, chat answers) is rendered with script-capable payloads, and the rendered DOM must hold no
/// javascript:/data:/vbscript: URL and no on* handler. The autolink (<c>&lt;javascript:…&gt;</c>) got through the old
/// link filter, which only looked at inline links.
/// </summary>
public sealed class MarkdownXssTests : PageTestBase
{
    public static readonly TheoryData<string> Payloads = new()
    {
        "<javascript:alert(1)>",
        "<JaVaScRiPt:alert(document.cookie)>",
        "[x](javascript:alert(2))",
        "[x](JAVASCRIPT:alert(2))",
        "[x](  javascript:alert(2))",
        "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<data:text/html,<script>alert(1)</script>>",
        "[v](vbscript:msgbox(1))",
        "[e](jav&#x61;script:alert(3))",
        "[e](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(3))",
        "<script>alert(4)</script>",
        "<img src=x onerror=alert(5)>",
        "<svg onload=alert(6)>",
        "<a href=\" javascript:alert(7)\">a</a>",
        "[ref][r1]\n\n[r1]: javascript:alert(8)",
        "[ref]\n\n[ref]: <javascript:alert(8)> \"title\"",
        "![img](javascript:alert(9))",
        "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "[t](https://example.com \"x\\\" onmouseover=\\\"alert(10)\")",
        "<a href=\"https://ok.example\" onclick=\"alert(11)\">ok</a>",
        "<iframe src=\"javascript:alert(12)\"></iframe>",
    };

    private const string AllPayloads = """
        ## notes
        <javascript:alert(1)> [x](javascript:alert(2)) [d](data:text/html,hi) [v](vbscript:msgbox(1)) [e](jav&#x61;script:alert(3))
        <script>alert(4)</script> <img src=x onerror=alert(5)> <svg onload=alert(6)> <a href=" javascript:alert(7)">a</a>
        [ref][r1] ![img](javascript:alert(9)) ![i](data:image/png;base64,iVBORw0KGgo=)

        [r1]: javascript:alert(8)
        """;

    [Theory]
    [MemberData(nameof(Payloads))]
    public void The_sanitizer_leaves_no_script_url_or_handler(string markdown)
    {
        var html = new SafeHtml().Markdown(markdown);

        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument("<div id=r>" + html + "</div>");
        ShouldBeSafe(document.GetElementById("r")!, html);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    [InlineData("```js\" onmouseover=\"alert(14)\n<img src=x onerror=alert(14)>\n```")]
    [InlineData("```\n</code></pre><script>alert(15)</script>\n```")]
    public void Chat_answers_with_copy_buttons_on_code_blocks_leave_no_script_url_or_handler(string markdown)
    {
        // The copy buttons are added after the sanitizer; their labels are text, even when a translation holds markup.
        var html = new SafeHtml().MarkdownWithCopyButtons("```\ncode\n```\n\n" + markdown, "<img src=x onerror=alert(16)>", "\" onclick=\"alert(17)");

        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument("<div id=r>" + html + "</div>");
        ShouldBeSafe(document.GetElementById("r")!, html);
        document.QuerySelectorAll("button").Length.ShouldBeGreaterThanOrEqualTo(1);
        document.QuerySelectorAll("button").ShouldAllBe(b => b.HasAttribute("data-copy-code") && b.Children.Length == 0);
    }

    [Theory]
    [InlineData("<https://example.com/a>", "href=\"https://example.com/a\"")]
    [InlineData("[docs](https://mlflow.org)", "href=\"https://mlflow.org\"")]
    [InlineData("[run](/experiments/abc)", "href=\"/experiments/abc\"")]
    [InlineData("[mail](mailto:team@example.com)", "href=\"mailto:team@example.com\"")]
    [InlineData("| a | b |\n|---|--:|\n| 1 | 2 |", "<table>")]
    [InlineData("- [x] done", "type=\"checkbox\"")]
    public void Safe_links_and_formatting_are_kept(string markdown, string expected) =>
        new SafeHtml().Markdown(markdown).ShouldContain(expected);

    [Fact]
    public async Task Run_notes_render_safely()
    {
        var (_, experiment, run) = await SeedRunAsync();
        await Get<RunService>().SetRunNoteAsync(run, AllPayloads, default);

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, run));

        page.WaitForAssertion(() => page.Find("[data-testid=run-title]").TextContent.ShouldBe("xss-run"));
        AssertRenderedSafely(page);
        experiment.ShouldNotBe(Guid.Empty);
    }

    [Fact]
    public async Task Experiment_descriptions_render_safely()
    {
        var project = await Get<ProjectService>().CreateAsync("xss-project-e", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "xss-experiment", new Dictionary<string, string> { [TrackingLimits.NoteTag] = AllPayloads }, default);

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=experiment-title]").TextContent.ShouldBe("xss-experiment"));
        AssertRenderedSafely(page);
    }

    [Fact]
    public async Task Registered_model_and_model_version_descriptions_render_safely()
    {
        var registry = Get<RegistryService>();
        var versions = Get<ModelVersionService>();
        var registrar = Get<ModelRegistrar>();
        var model = await registry.CreateModelAsync("xss-model", AllPayloads, null, default);
        await registrar.CreateVersionFromUploadAsync(model.Id, "broken.onnx", new MemoryStream("junk"u8.ToArray()), null, default);
        await versions.UpdateVersionAsync(model.Id, 1, AllPayloads, default);

        var modelPage = Render<ModelPage>(p => p.Add(x => x.Id, model.Id));
        modelPage.WaitForAssertion(() => modelPage.Find("[data-testid=model-title]").TextContent.ShouldBe("xss-model"));
        AssertRenderedSafely(modelPage);

        var versionPage = Render<ModelVersionPage>(p => p.Add(x => x.Id, model.Id).Add(x => x.Version, 1));
        versionPage.WaitForAssertion(() => versionPage.Find("[data-testid=version-title]").TextContent.ShouldContain("xss-model"));
        AssertRenderedSafely(versionPage);
    }

    [Fact]
    public async Task Chat_answers_render_safely()
    {
        var conversationId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await using (var db = await Get<IDbContextFactory<PlatformDbContext>>().CreateDbContextAsync())
        {
            db.Conversations.Add(new Conversation { Id = conversationId, OwnerId = AdminId, Title = "xss-chat", Model = "none", CreatedAt = now, UpdatedAt = now });
            db.ConversationMessages.Add(new ConversationMessage { Id = Guid.NewGuid(), ConversationId = conversationId, Role = "user", Content = "summarize the document", CreatedAt = now });
            db.ConversationMessages.Add(new ConversationMessage { Id = Guid.NewGuid(), ConversationId = conversationId, Role = "assistant", Content = AllPayloads, Status = MessageStatus.Complete, CreatedAt = now.AddSeconds(1) });
            await db.SaveChangesAsync();
        }

        var page = Render<ChatPage>(p => p.Add(x => x.Id, conversationId));

        page.WaitForAssertion(() => page.Find("[data-testid=chat-title]").TextContent.ShouldBe("xss-chat"));
        AssertRenderedSafely(page);
    }

    private async Task<(Guid Project, Guid Experiment, Guid Run)> SeedRunAsync()
    {
        var project = await Get<ProjectService>().CreateAsync("xss-project", null, default);
        var experiments = Get<ExperimentService>();
        var runs = Get<RunService>();
        var experiment = await experiments.CreateExperimentAsync(project.Id, "xss", null, default);
        var run = await runs.CreateRunAsync(experiment.Id, "xss-run", 1000, null, default);
        return (project.Id, experiment.Id, run.Run.Id);
    }

    private static void AssertRenderedSafely<T>(IRenderedComponent<T> page)
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        var rendered = page.FindAll("[data-testid=markdown]");
        rendered.Count.ShouldBeGreaterThan(0, "the Markdown field is rendered");
        foreach (var markdown in rendered)
        {
            markdown.TextContent.ShouldContain("notes", Case.Sensitive, "the payload reached the renderer");
            ShouldBeSafe(markdown, markdown.InnerHtml);
        }
    }

    private static void ShouldBeSafe(IElement root, string html)
    {
        root.QuerySelectorAll("script, svg, iframe, object, embed, style, form").ShouldBeEmpty(html);
        foreach (var element in root.QuerySelectorAll("*"))
        {
            foreach (var attribute in element.Attributes)
            {
                attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase).ShouldBeFalse($"{attribute.Name} on <{element.LocalName}> in {html}");
                if (attribute.Name is "href" or "src" or "action" or "formaction" or "xlink:href" or "srcset" or "poster" or "background")
                {
                    var value = new string(attribute.Value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray()).ToLowerInvariant();
                    value.ShouldNotStartWith("javascript:", customMessage: html);
                    value.ShouldNotStartWith("data:", customMessage: html);
                    value.ShouldNotStartWith("vbscript:", customMessage: html);
                }
            }
        }
    }
}
