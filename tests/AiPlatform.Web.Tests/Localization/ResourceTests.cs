using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace AiPlatform.Web.Tests.Localization;

/// <summary>Every UI string exists in English and Simplified Chinese, and every key the UI asks for exists.</summary>
public partial class ResourceTests
{
    private static readonly string WebRoot = Path.Combine(RepositoryRoot(), "AiPlatform.Web");

    [Fact]
    public void English_and_chinese_resources_have_the_same_keys_and_no_empty_values()
    {
        var english = Load("SharedResource.resx");
        var chinese = Load("SharedResource.zh-CN.resx");

        chinese.Keys.Order().ShouldBe(english.Keys.Order());
        english.Values.ShouldAllBe(v => !string.IsNullOrWhiteSpace(v));
        chinese.Values.ShouldAllBe(v => !string.IsNullOrWhiteSpace(v));
        chinese.Where(c => c.Value == english[c.Key] && c.Value.Any(char.IsAsciiLetterLower)).Select(c => c.Key).ShouldBeEmpty("untranslated strings");
    }

    [Fact]
    public void Every_key_used_by_a_page_or_component_exists()
    {
        var english = Load("SharedResource.resx");
        var used = Directory.EnumerateFiles(WebRoot, "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal)) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => KeyPattern().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Distinct()
            .ToList();

        used.ShouldNotBeEmpty();
        used.Where(k => !english.ContainsKey(k)).ShouldBeEmpty();
    }

    [Fact]
    public void Every_message_key_an_error_names_exists_in_english_and_chinese()
    {
        var english = Load("SharedResource.resx");
        var chinese = Load("SharedResource.zh-CN.resx");
        var root = RepositoryRoot();
        var sources = new[] { "AiPlatform.Core", "AiPlatform.Infrastructure" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(File.ReadAllText)
            .ToList();
        var keys = sources.SelectMany(s => ErrorKeyPattern().Matches(s).Select(m => m.Groups[1].Value))
            .Concat(sources.SelectMany(s => ConnectReasonPattern().Matches(s).Select(m => "Error.CannotConnect." + m.Groups[1].Value)))
            .Distinct()
            .ToList();

        keys.Count.ShouldBeGreaterThan(20);
        keys.Where(k => !english.ContainsKey(k) || !chinese.ContainsKey(k)).ShouldBeEmpty();
    }

    [GeneratedRegex("\"(Error\\.[A-Za-z]+(?:\\.[A-Za-z]+)?)\"")]
    private static partial Regex ErrorKeyPattern();

    [GeneratedRegex("""return \(\$?"[^"]*", "([A-Za-z]+)"\)""")]
    private static partial Regex ConnectReasonPattern();

    private static Dictionary<string, string> Load(string file) =>
        XDocument.Load(Path.Combine(WebRoot, "Resources", file)).Root!.Elements("data")
            .ToDictionary(e => e.Attribute("name")!.Value, e => e.Element("value")!.Value);

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("AiPlatform.sln not found.");
    }

    [GeneratedRegex("""(?:\bL|\bText)\["([A-Za-z]+\.[A-Za-z.]+)"\]""")]
    private static partial Regex KeyPattern();
}
