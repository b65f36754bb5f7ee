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
}
