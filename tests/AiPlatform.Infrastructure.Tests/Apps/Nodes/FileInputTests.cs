using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Knowledge;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>
/// A start node's file field through the real engine and the knowledge bases' text extractor: a Word document or a PDF
/// sent as bytes reaches later nodes as its text (<c>{{start.doc.text}}</c>), a broken one fails the run with the reason.
/// </summary>
public sealed class FileInputTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static readonly AppGraph Graph = new()
    {
        Nodes =
        [
            Node(AppNodeTypes.Start, new { fields = new[] { new { name = "doc", type = "file", required = true, label = "Document" } } }, "start"),
            Node(AppNodeTypes.Template, new { template = "{{ name }}: {{ text }}", variables = new[] { new { name = "name", value = "{{start.doc.name}}" }, new { name = "text", value = "{{start.doc.text}}" } } }, "t"),
            Node(AppNodeTypes.End, new { outputs = new[] { new { name = "summary", value = "{{t.text}}" }, new { name = "size", value = "{{start.doc.size}}" } } }, "end"),
        ],
        Edges = [new AppEdge { Source = "start", Target = "t" }, new AppEdge { Source = "t", Target = "end" }],
    };

    [Fact]
    public async Task Word_and_PDF_files_reach_later_nodes_as_their_text()
    {
        AppGraphValidator.Validate(Graph, AppKind.Workflow).ShouldBeEmpty();
        var docx = KnowledgeDocuments.Docx(("报销", "发票须在三十天内提交。"));
        var word = await RunAsync(fixture.Get<IAppEngine>(), Graph, File("policy.docx", docx), fixture.Admin);
        word.Status.ShouldBe(AppRunStatus.Succeeded, word.Error);
        word.Outputs["summary"]!.GetValue<string>().ShouldBe("policy.docx: 报销\n发票须在三十天内提交。");
        word.Outputs["size"]!.ToString().ShouldBe(docx.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var pdf = await RunAsync(fixture.Get<IAppEngine>(), Graph, File("travel.pdf", KnowledgeDocuments.Pdf("Hotels up to 500 per night.")), fixture.Admin);
        pdf.Status.ShouldBe(AppRunStatus.Succeeded, pdf.Error);
        pdf.Outputs["summary"]!.GetValue<string>().ShouldBe("travel.pdf: Page 1\nHotels up to 500 per night.", "a PDF page is a section headed by its number");

        var broken = await RunAsync(fixture.Get<IAppEngine>(), Graph, File("broken.pdf", [.. "%PDF-1.7 not really"u8]), fixture.Admin);
        broken.Status.ShouldBe(AppRunStatus.Failed);
        broken.ErrorNodeId.ShouldBe("start");
        broken.ErrorKey.ShouldBe("Apps.Error.InputFileUnreadable");
        broken.ErrorArguments![0].ShouldBe("broken.pdf");
    }

    private static JsonObject File(string name, byte[] bytes) =>
        new() { ["doc"] = new JsonObject { ["name"] = name, ["base64"] = Convert.ToBase64String(bytes) } };
}
