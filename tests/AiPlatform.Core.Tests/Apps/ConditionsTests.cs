using System.Text.Json.Nodes;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tests.Apps;

public sealed class ConditionsTests
{
    [Theory]
    [InlineData("\"abc\"", "equals", "abc", true)]
    [InlineData("3", "equals", "3.0", true)]
    [InlineData("true", "equals", "true", true)]
    [InlineData("\"abc\"", "not-equals", "abc", false)]
    [InlineData("\"abc\"", "contains", "b", true)]
    [InlineData("[\"x\",\"y\"]", "contains", "y", true)]
    [InlineData("[1,2]", "not-contains", "3", true)]
    [InlineData("\"abc\"", "starts-with", "ab", true)]
    [InlineData("\"abc\"", "ends-with", "bc", true)]
    [InlineData("null", "empty", "", true)]
    [InlineData("[]", "empty", "", true)]
    [InlineData("\"\"", "not-empty", "", false)]
    [InlineData("10", "gt", "9", true)]
    [InlineData("\"10\"", "gte", "10", true)]
    [InlineData("2", "lt", "10", true)]
    [InlineData("2", "lte", "1", false)]
    [InlineData("true", "is-true", "", true)]
    [InlineData("false", "is-false", "", true)]
    [InlineData("\"yes\"", "is-true", "", false)]
    public void Compare_applies_each_operator(string json, string op, string value, bool expected) =>
        Conditions.Compare("n", "{{x.v}}", JsonNode.Parse(json), op, value).ShouldBe(expected);

    [Fact]
    public void Comparing_text_as_a_number_fails_clearly() =>
        Should.Throw<ValidationException>(() => Conditions.Compare("if1", "{{x.v}}", JsonValue.Create("abc"), "gt", "1")).MessageKey.ShouldBe("Apps.Error.ConditionNotNumber");

    [Fact]
    public void And_needs_all_or_needs_one()
    {
        var conditions = new JsonArray(
            new JsonObject { ["variable"] = "a", ["operator"] = "equals", ["value"] = "1" },
            new JsonObject { ["variable"] = "b", ["operator"] = "equals", ["value"] = "1" });
        var values = new Dictionary<string, JsonNode?> { ["a"] = JsonValue.Create(1), ["b"] = JsonValue.Create(2) };

        Conditions.Evaluate("n", conditions, "and", v => values[v], t => t ?? string.Empty).ShouldBeFalse();
        Conditions.Evaluate("n", conditions, "or", v => values[v], t => t ?? string.Empty).ShouldBeTrue();
        Conditions.Evaluate("n", [], "and", v => values[v], t => t ?? string.Empty).ShouldBeFalse();
    }
}
