using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Knowledge;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>
/// A start node's file field through the real engine: a UTF-8 file reaches later nodes as its text
/// (<c>{{start.doc.text}}</c>); a Word document or a PDF keeps only its bytes (documents are not parsed in a run: a small
/// compressed file can expand without bound).
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
    public async Task A_text_file_reaches_later_nodes_as_its_text_and_a_document_as_its_bytes_only()
    {
        AppGraphValidator.Validate(Graph, AppKind.Workflow).ShouldBeEmpty();
        var markdown = System.Text.Encoding.UTF8.GetBytes("# 报销\n发票须在三十天内提交。");
        var text = await RunAsync(fixture.Get<IAppEngine>(), Graph, File("policy.md", markdown), fixture.Admin);
        text.Status.ShouldBe(AppRunStatus.Succeeded, text.Error);
        text.Outputs["summary"]!.GetValue<string>().ShouldBe("policy.md: # 报销\n发票须在三十天内提交。");
        text.Outputs["size"]!.ToString().ShouldBe(markdown.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A PDF that happens to be ASCII is still not taken for text; nor is a Word file.
        var pdf = await RunAsync(fixture.Get<IAppEngine>(), Graph, File("travel.pdf", [.. "%PDF-1.7 looks like text"u8]), fixture.Admin);
        pdf.Status.ShouldBe(AppRunStatus.Succeeded, pdf.Error);
        pdf.Outputs["summary"]!.GetValue<string>().ShouldBe("travel.pdf: ");
        var docx = KnowledgeDocuments.Docx(("报销", "发票须在三十天内提交。"));
        var word = await RunAsync(fixture.Get<IAppEngine>(), Graph, File("policy.docx", docx), fixture.Admin);
        word.Status.ShouldBe(AppRunStatus.Succeeded, word.Error);
        word.Nodes.Single(n => n.NodeId == "start").Outputs!["doc"]!["base64"]!.GetValue<string>().ShouldBe(Convert.ToBase64String(docx));
        word.Nodes.Single(n => n.NodeId == "start").Outputs!["doc"]!["text"].ShouldBeNull();
    }

    private static JsonObject File(string name, byte[] bytes) =>
        new() { ["doc"] = new JsonObject { ["name"] = name, ["base64"] = Convert.ToBase64String(bytes) } };
}
