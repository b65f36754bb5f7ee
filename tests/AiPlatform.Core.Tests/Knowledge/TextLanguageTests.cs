using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Tests.Knowledge;

public sealed class TextLanguageTests
{
    [Theory]
    [InlineData("生病了没法来上班，需要做什么？", "zh")]
    [InlineData("出差去北京住酒店，一晚最多能花多少钱？", "zh")]
    [InlineData("How many vacation days do I get each year?", "en")]
    [InlineData("Où se trouve la salle de réunion ?", "en")]
    [InlineData("今日はいい天気ですね。会議は何時からですか？", "ja")]
    [InlineData("회의실 예약은 어떻게 하나요?", "ko")]
    [InlineData("Где находится переговорная?", "other")]
    public void The_script_decides_the_language(string text, string expected) => TextLanguage.Detect(text).ShouldBe(expected);

    [Theory]
    [InlineData("OA系统", "zh")]
    [InlineData("OA系统登录失败怎么办", "zh")]
    [InlineData("E1043错误是什么意思", "zh")]
    [InlineData("请在Settings页面修改密码", "zh")]
    [InlineData("The office in 北京 opens at nine every morning", "en")]
    public void A_cjk_character_weighs_two_latin_letters_in_mixed_text(string text, string expected) => TextLanguage.Detect(text).ShouldBe(expected);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("2024-01-01 12:00, 3.5%")]
    [InlineData("，。！？ ---")]
    public void A_text_without_letters_has_no_language(string? text) => TextLanguage.Detect(text).ShouldBeNull();

    [Fact]
    public void Every_detected_code_is_known_and_listed_in_ui_order()
    {
        TextLanguage.All.ShouldBe(["en", "zh", "ja", "ko", "other"]);
        TextLanguage.All.ShouldAllBe(c => TextLanguage.IsKnown(c));
        TextLanguage.IsKnown("fr").ShouldBeFalse();
        TextLanguage.IsKnown(null).ShouldBeFalse();
    }
}
