using System.Text;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tests.Apps;

public sealed class StartNodeTests
{
    private static readonly AppNode Start = new()
    {
        Id = "start",
        Type = AppNodeTypes.Start,
        Config = new JsonObject
        {
            ["fields"] = new JsonArray(
                new JsonObject { ["name"] = "question", ["type"] = "text", ["required"] = true, ["label"] = "Question" },
                new JsonObject { ["name"] = "count", ["type"] = "number", ["default"] = 3 },
                new JsonObject { ["name"] = "tone", ["type"] = "select", ["options"] = new JsonArray("formal", "casual"), ["required"] = true },
                new JsonObject { ["name"] = "row", ["type"] = "dataset-row" },
                new JsonObject { ["name"] = "doc", ["type"] = "file" }),
        },
    };

    [Fact]
    public void Good_inputs_come_out_typed_with_defaults_and_unknown_names_dropped()
    {
        var outputs = StartNode.ValidateInputs(Start, new JsonObject { ["question"] = "Why?", ["count"] = " 2.5 ", ["tone"] = "casual", ["row"] = new JsonObject { ["a"] = 1 }, ["extra"] = "x" });

        outputs["question"]!.GetValue<string>().ShouldBe("Why?");
        outputs["count"]!.GetValue<double>().ShouldBe(2.5);
        outputs["tone"]!.GetValue<string>().ShouldBe("casual");
        outputs["row"]!["a"]!.GetValue<int>().ShouldBe(1);
        outputs.ContainsKey("doc").ShouldBeTrue();
        outputs["doc"].ShouldBeNull();
        outputs.ContainsKey("extra").ShouldBeFalse();

        StartNode.ValidateInputs(Start, new JsonObject { ["question"] = "q", ["tone"] = "formal" })["count"]!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public void Every_wrong_input_is_reported_at_once_with_the_first_key()
    {
        var error = Should.Throw<ValidationException>(() => StartNode.ValidateInputs(Start, new JsonObject { ["question"] = "  ", ["count"] = "many", ["tone"] = "rude", ["row"] = "text" }));

        error.MessageKey.ShouldBe("Apps.Error.InputRequired");
        error.MessageArguments.ShouldBe(["Question"]);
        error.Errors.Keys.Order().ShouldBe(["inputs.count", "inputs.question", "inputs.row", "inputs.tone"]);
        error.Errors["inputs.count"].Single().ShouldContain("many");
        error.Errors["inputs.tone"].Single().ShouldContain("formal, casual");
    }

    [Theory]
    [InlineData("count", "NaN-ish", "Apps.Error.InputNumber")]
    [InlineData("tone", "loud", "Apps.Error.InputOption")]
    public void A_single_wrong_input_has_its_own_key(string field, string value, string key)
    {
        var inputs = new JsonObject { ["question"] = "q", ["tone"] = "formal", [field] = value };

        Should.Throw<ValidationException>(() => StartNode.ValidateInputs(Start, inputs)).MessageKey.ShouldBe(key);
    }

    [Fact]
    public void A_file_comes_out_as_an_object_with_its_text_or_its_bytes_and_a_size_counted_here()
    {
        var text = File("请假 needs a note");
        text["text"]!.GetValue<string>().ShouldBe("请假 needs a note");
        text["size"]!.GetValue<int>().ShouldBe(19, "UTF-8 bytes");
        text["contentType"]!.GetValue<string>().ShouldBe("text/plain");
        text["name"].ShouldBeNull();
        text["base64"].ShouldBeNull();

        var utf8 = File(new JsonObject { ["name"] = "notes.md", ["base64"] = Convert.ToBase64String([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("# 报销\nkeep receipts")]), ["size"] = 1 });
        utf8["text"]!.GetValue<string>().ShouldBe("# 报销\nkeep receipts");
        utf8["size"]!.GetValue<int>().ShouldBe(3 + Encoding.UTF8.GetByteCount("# 报销\nkeep receipts"), "the caller's size is not believed");
        utf8["name"]!.GetValue<string>().ShouldBe("notes.md");
        utf8["contentType"]!.GetValue<string>().ShouldBe("application/octet-stream");

        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D];
        var image = File(new JsonObject { ["name"] = "cat.png", ["contentType"] = "image/png", ["base64"] = Convert.ToBase64String(png) });
        image["text"].ShouldBeNull("bytes that are not text have none");
        image["base64"]!.GetValue<string>().ShouldBe(Convert.ToBase64String(png));
        image["size"]!.GetValue<int>().ShouldBe(png.Length);
    }

    [Theory]
    [InlineData("""{"base64": "not base64!"}""", "Apps.Error.InputFile")]
    [InlineData("""{"text": "a", "base64": "YQ=="}""", "Apps.Error.InputFile")]
    [InlineData("""{"name": 3, "text": "a"}""", "Apps.Error.InputFile")]
    [InlineData("""{"name": "a.txt"}""", "Apps.Error.InputFile")]
    [InlineData("42", "Apps.Error.InputFile")]
    public void A_file_that_is_not_one_is_refused(string json, string key)
    {
        var error = Should.Throw<ValidationException>(() => StartNode.ValidateInputs(Start, new JsonObject { ["question"] = "q", ["tone"] = "formal", ["doc"] = JsonNode.Parse(json) }));

        error.MessageKey.ShouldBe(key);
        error.Errors.Keys.ShouldBe(["inputs.doc"]);
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_whether_sent_as_text_or_bytes()
    {
        var big = new byte[StartNode.MaxFileBytes + 1];
        Should.Throw<ValidationException>(() => File(new JsonObject { ["base64"] = Convert.ToBase64String(big) })).MessageKey.ShouldBe("Apps.Error.InputFileTooLarge");
        Should.Throw<ValidationException>(() => File(new string('字', (StartNode.MaxFileBytes / 3) + 1))).MessageKey.ShouldBe("Apps.Error.InputFileTooLarge");
        File(new string('a', StartNode.MaxFileBytes))["size"]!.GetValue<int>().ShouldBe(StartNode.MaxFileBytes);
    }

    private static JsonObject File(JsonNode value) =>
        StartNode.ValidateInputs(Start, new JsonObject { ["question"] = "q", ["tone"] = "formal", ["doc"] = value })["doc"]!.AsObject();
}
