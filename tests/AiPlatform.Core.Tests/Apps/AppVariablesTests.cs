using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;

namespace AiPlatform.Core.Tests.Apps;

public sealed class AppVariablesTests
{
    private static readonly JsonObject Variables = new()
    {
        ["start"] = new JsonObject { ["name"] = "Ada", ["n"] = 3 },
        ["llm1"] = new JsonObject { ["json"] = new JsonObject { ["items"] = new JsonArray("a", "b", new JsonObject { ["deep"] = true }) } },
        ["skipped"] = null,
    };

    [Theory]
    [InlineData("{{start.name}}", "start", new[] { "name" })]
    [InlineData("{{  llm1.json.items.0 }}", "llm1", new[] { "json", "items", "0" })]
    [InlineData("start.name", "start", new[] { "name" })]
    [InlineData("{{sys.conversation_id}}", "sys", new[] { "conversation_id" })]
    [InlineData("{{start}}", "start", new string[0])]
    public void TryParse_reads_references_with_or_without_braces_and_spaces(string text, string root, string[] path)
    {
        AppVariables.TryParse(text, out var reference).ShouldBeTrue();
        reference.Root.ShouldBe(root);
        reference.Path.ShouldBe(path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello {{start.name}}")]
    [InlineData("{{1bad}}")]
    [InlineData("{{start..name}}")]
    public void TryParse_refuses_what_is_not_one_reference(string text) => AppVariables.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void FindReferences_walks_templates_and_settings_in_order()
    {
        AppVariables.FindReferences("Hi {{start.name}}, {{ llm1.text }} and {{start.name}}; not {{ 1x }} nor { {a.b} }").Select(r => r.Text)
            .ShouldBe(["start.name", "llm1.text", "start.name"]);
        var config = new JsonObject
        {
            ["prompt"] = "{{a.x}}",
            ["items"] = new JsonArray(new JsonObject { ["value"] = "{{b.y.0}}" }, 3, "{{c.z}}"),
            ["n"] = 5,
        };
        AppVariables.FindReferences(config).Select(r => r.Text).ShouldBe(["a.x", "b.y.0", "c.z"]);
    }

    [Fact]
    public void Resolve_follows_fields_and_array_indexes_and_copies()
    {
        AppVariables.TryParse("llm1.json.items.2.deep", out var deep);
        AppVariables.Resolve(Variables, deep, out var found)!.GetValue<bool>().ShouldBeTrue();
        found.ShouldBeTrue();

        AppVariables.TryParse("llm1.json.items.9", out var outOfRange);
        AppVariables.Resolve(Variables, outOfRange, out found).ShouldBeNull();
        found.ShouldBeTrue();

        AppVariables.TryParse("ghost.text", out var ghost);
        AppVariables.Resolve(Variables, ghost, out found).ShouldBeNull();
        found.ShouldBeFalse();

        AppVariables.TryParse("llm1.json.items", out var items);
        var copy = AppVariables.Resolve(Variables, items, out _)!.AsArray();
        copy.Add("c");
        Variables["llm1"]!["json"]!["items"]!.AsArray().Count.ShouldBe(3);
        AppVariables.TryParse("llm1.json.items.length", out var length);
        AppVariables.Resolve(Variables, length, out _)!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public void Render_writes_strings_as_they_are_and_other_values_as_json()
    {
        AppVariables.Render("Hi {{ start.name }} ({{start.n}}) {{llm1.json.items}} [{{skipped.text}}] [{{ghost.x}}]", Variables)
            .ShouldBe("""Hi Ada (3) ["a","b",{"deep":true}] [] []""");
        AppVariables.Render("no variables", Variables).ShouldBe("no variables");
        AppVariables.Render(null, Variables).ShouldBe(string.Empty);
        AppVariables.ToText(JsonValue.Create("中文")).ShouldBe("中文");
        AppVariables.ToText(new JsonObject { ["t"] = "中文" }).ShouldBe("""{"t":"中文"}""");
    }

    [Fact]
    public void Evaluate_keeps_the_type_of_a_single_reference_and_renders_anything_else()
    {
        JsonNode? Resolve(AppVariableReference r) => AppVariables.Resolve(Variables, r, out _);

        AppVariables.Evaluate("{{llm1.json.items}}", Resolve).ShouldBeOfType<JsonArray>().Count.ShouldBe(3);
        AppVariables.Evaluate(" {{ start.n }} ", Resolve)!.GetValue<int>().ShouldBe(3);
        AppVariables.Evaluate("n={{start.n}}", Resolve)!.GetValue<string>().ShouldBe("n=3");
        AppVariables.Evaluate(null, Resolve).ShouldBeNull();
    }
}
