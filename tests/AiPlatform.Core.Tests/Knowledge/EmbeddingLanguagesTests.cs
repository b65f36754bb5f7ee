using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Tests.Knowledge;

public sealed class EmbeddingLanguagesTests
{
    [Theory]
    [InlineData("bge-m3", "*")]
    [InlineData("BAAI/bge-m3", "*")]
    [InlineData("hf.co/BAAI/bge-m3:latest", "*")]
    [InlineData("intfloat/multilingual-e5-large", "*")]
    [InlineData("Qwen/Qwen3-Embedding-0.6B", "*")]
    [InlineData("nomic-embed-text", "en")]
    [InlineData("BAAI/bge-large-zh-v1.5", "en,zh")]
    [InlineData("bge-large-en-v1.5", "en")]
    [InlineData("sentence-transformers/all-MiniLM-L6-v2", "en")]
    public void A_known_family_gives_its_languages_when_none_are_recorded(string providerModelId, string expected)
    {
        var info = EmbeddingLanguages.Describe("kb-embedder", providerModelId, null);

        info.Source.ShouldBe(EmbeddingLanguageSource.KnownFamily);
        info.Model.ShouldBe("kb-embedder");
        string.Join(',', info.Languages.Order(StringComparer.Ordinal)).ShouldBe(expected);
    }

    [Fact]
    public void Multilingual_families_serve_chinese_and_english_only_families_do_not()
    {
        EmbeddingLanguages.Describe("m", "bge-m3", null).Serves(TextLanguage.Chinese).ShouldBeTrue();
        EmbeddingLanguages.Describe("m", "multilingual-e5-large", null).Serves(TextLanguage.Japanese).ShouldBeTrue();
        EmbeddingLanguages.Describe("m", "nomic-embed-text", null).Serves(TextLanguage.Chinese).ShouldBeFalse();
        EmbeddingLanguages.Describe("m", "bge-large-zh-v1.5", null).Serves(TextLanguage.Chinese).ShouldBeTrue();
        EmbeddingLanguages.Describe("m", "bge-large-zh-v1.5", null).Serves(TextLanguage.Korean).ShouldBeFalse();
    }

    [Fact]
    public void An_unknown_model_is_assumed_to_serve_every_language_and_says_it_is_unknown()
    {
        var info = EmbeddingLanguages.Describe("tiny", "tiny-llama", null);

        info.Source.ShouldBe(EmbeddingLanguageSource.Unknown);
        info.Languages.ShouldBe([EmbeddingLanguages.Any]);
        info.ServesAll.ShouldBeTrue();
        info.Serves(TextLanguage.Chinese).ShouldBeTrue();
        EmbeddingLanguages.ForFamily("tiny-llama").ShouldBeNull();
    }

    [Fact]
    public void Recorded_languages_win_over_the_family()
    {
        var info = EmbeddingLanguages.Describe("m", "bge-m3", "zh");

        info.Source.ShouldBe(EmbeddingLanguageSource.Configured);
        info.Languages.ShouldBe([TextLanguage.Chinese]);
        info.Serves(TextLanguage.English).ShouldBeFalse();
        info.Serves(null).ShouldBeTrue("a text without letters is served by any model");
        EmbeddingLanguages.Describe("m", "tiny-llama", "*").ShouldSatisfyAllConditions(
            i => i.Source.ShouldBe(EmbeddingLanguageSource.Configured),
            i => i.ServesAll.ShouldBeTrue());
    }

    [Fact]
    public void The_built_in_model_serves_english_only()
    {
        EmbeddingLanguages.BuiltIn.Source.ShouldBe(EmbeddingLanguageSource.BuiltIn);
        EmbeddingLanguages.BuiltIn.Model.ShouldBe(KnowledgeBase.LocalEmbedding);
        EmbeddingLanguages.BuiltIn.Serves(TextLanguage.English).ShouldBeTrue();
        EmbeddingLanguages.BuiltIn.Serves(TextLanguage.Chinese).ShouldBeFalse();
    }

    [Theory]
    [InlineData("zh,en", "en,zh")]
    [InlineData(" ZH , en ", "en,zh")]
    [InlineData("zh，en", "en,zh")]
    [InlineData("en zh;ja", "en,zh,ja")]
    [InlineData("*", "*")]
    [InlineData("en,*", "*")]
    [InlineData("other,ko,en,en", "en,ko,other")]
    public void Normalize_gives_the_canonical_stored_form(string typed, string stored) =>
        EmbeddingLanguages.Normalize(typed).ShouldBe(stored);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(" , ")]
    public void Normalize_clears_on_blank(string? typed)
    {
        var stored = EmbeddingLanguages.Normalize(typed);
        (stored is null || stored.Length == 0).ShouldBeTrue();
        EmbeddingLanguages.Describe("m", "bge-m3", stored).Source.ShouldBe(EmbeddingLanguageSource.KnownFamily);
    }

    [Theory]
    [InlineData("xx", "xx")]
    [InlineData("en,fr", "fr")]
    [InlineData("english", "english")]
    [InlineData("zh-CN", "zh-cn")]
    public void Normalize_refuses_a_code_retrieval_does_not_know_and_names_it(string typed, string named)
    {
        var error = Should.Throw<ValidationException>(() => EmbeddingLanguages.Normalize(typed));

        error.MessageKey.ShouldBe("Error.Llm.EmbeddingLanguages");
        error.MessageArguments[0].ShouldBe(named);
        error.Errors.ShouldContainKey("embeddingLanguages");
        error.Errors["embeddingLanguages"][0].ShouldContain($"'{named}'");
    }

    [Fact]
    public void Normalize_refuses_input_longer_than_its_limit_before_parsing_and_echoes_only_its_start()
    {
        // Valid codes only, so only the length can be what is refused.
        var longest = string.Join(',', Enumerable.Repeat("en", EmbeddingLanguages.MaxInputLength / 3)).PadRight(EmbeddingLanguages.MaxInputLength);
        longest.Length.ShouldBe(EmbeddingLanguages.MaxInputLength);
        EmbeddingLanguages.Normalize(longest).ShouldBe("en");

        var error = Should.Throw<ValidationException>(() => EmbeddingLanguages.Normalize(longest + "x"));
        error.MessageKey.ShouldBe("Error.Llm.EmbeddingLanguages");
        error.Errors.ShouldContainKey("embeddingLanguages");
        var named = error.MessageArguments[0].ShouldBeOfType<string>();
        named.Length.ShouldBeLessThanOrEqualTo(EmbeddingLanguages.MaxEchoedLength + 1);
        longest.ShouldStartWith(named.TrimEnd('…'));
        error.Errors["embeddingLanguages"][0].Length.ShouldBeLessThan(200);

        var huge = Should.Throw<ValidationException>(() => EmbeddingLanguages.Normalize(new string('x', 1_000_000)));
        huge.MessageArguments[0].ShouldBe(new string('x', EmbeddingLanguages.MaxEchoedLength) + "…");
    }

    [Fact]
    public void Normalize_echoes_at_most_the_start_of_a_long_unknown_code()
    {
        var code = new string('q', 100);
        var error = Should.Throw<ValidationException>(() => EmbeddingLanguages.Normalize("en," + code));

        error.MessageArguments[0].ShouldBe(code[..EmbeddingLanguages.MaxEchoedLength] + "…");
        error.Errors["embeddingLanguages"][0].ShouldNotContain(code);
        error.Errors["embeddingLanguages"][0].ShouldContain($"'{code[..EmbeddingLanguages.MaxEchoedLength]}…'");
    }
}
