using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Tests.Knowledge;

public sealed class Bm25TokenizerTests
{
    [Fact]
    public void Full_width_latin_digits_and_punctuation_read_as_their_ascii_forms()
    {
        Bm25Index.Tokenize("Ｅ１０４３／ＯＡ").ShouldBe(["e1043", "oa"]);
        Bm25Index.Tokenize("E1043 oa").ShouldBe(Bm25Index.Tokenize("Ｅ１０４３　ＯＡ"));
    }

    [Fact]
    public void Full_width_punctuation_ends_words_and_bigram_runs()
    {
        // No bigram 资，报 or 报。加 across the punctuation.
        Bm25Index.Tokenize("工资，报销。加班！").ShouldBe(["工", "资", "工资", "报", "销", "报销", "加", "班", "加班"]);
        Bm25Index.Tokenize("“年假”（带薪）").ShouldBe(["年", "假", "年假", "带", "薪", "带薪"]);
    }

    [Fact]
    public void Mixed_chinese_and_latin_tokens_split_where_the_script_changes()
    {
        Bm25Index.Tokenize("OA系统").ShouldBe(["oa", "系", "统", "系统"]);
        Bm25Index.Tokenize("E1043错误").ShouldBe(["e1043", "错", "误", "错误"]);
        Bm25Index.Tokenize("ＯＡ系统登录").ShouldBe(["oa", "系", "统", "系统", "登", "统登", "录", "登录"]);
        Bm25Index.Tokenize("Wi-Fi密码").ShouldBe(["wi", "fi", "wifi", "密", "码", "密码"]);
        Bm25Index.Tokenize("WiFi").ShouldBe(["wifi"], "the joined form of Wi-Fi meets the spelling without the hyphen");
    }

    [Fact]
    public void English_stop_words_are_left_out_and_content_words_kept()
    {
        Bm25Index.Tokenize("What should I do if the VPN would not connect?").ShouldBe(["vpn", "not", "connect"]);
        Bm25Index.Tokenize("The server's backup doesn't run").ShouldBe(["server", "backup", "doesn", "run"]);
    }

    [Fact]
    public void Chinese_function_characters_are_dropped_alone_but_kept_inside_words()
    {
        var terms = Bm25Index.Tokenize("我的密码过期了吗");
        terms.ShouldNotContain("的");
        terms.ShouldNotContain("了");
        terms.ShouldNotContain("吗");
        terms.ShouldNotContain("我");
        terms.ShouldContain("密码");
        terms.ShouldContain("过期", "a stop character inside a word keeps the word");

        Bm25Index.Tokenize("目的地址").ShouldBe(["目", "目的", "的地", "址", "地址"]);
    }

    [Fact]
    public void Chinese_question_words_are_dropped_and_the_subject_kept()
    {
        var terms = Bm25Index.Tokenize("请问为什么我们需要怎么样填写报销单？");
        foreach (var stop in new[] { "请问", "为什", "什么", "我们", "需要", "怎么", "么样" })
        {
            terms.ShouldNotContain(stop);
        }

        terms.ShouldContain("填写");
        terms.ShouldContain("报销");
        terms.ShouldContain("销单");
        Bm25Index.Tokenize("如何申请年假").ShouldBe(["如", "何", "申", "何申", "请", "申请", "年", "请年", "假", "年假"]);
    }

    [Fact]
    public void Kana_and_hangul_keep_unigrams_and_bigrams()
    {
        Bm25Index.Tokenize("サーバ").ShouldBe(["サ", "ー", "サー", "バ", "ーバ"]);
        Bm25Index.Tokenize("서버").ShouldBe(["서", "버", "서버"]);
    }

    [Fact]
    public void Stop_words_no_longer_outweigh_the_words_that_tell_sections_apart()
    {
        var bm25 = new Bm25Index();
        bm25.Add(0, "报销：出差的住宿费用是按照城市等级报销的，北京每晚不超过600元。");
        bm25.Add(1, "密码：我们的密码是每九十天更换一次的，这个规定是为了安全。");
        bm25.Add(2, "加班：加班是需要提前申请的，如果没有申请就不算加班的时间。");

        bm25.Search("我们的住宿费是怎么报销的？", 3)[0].Node.ShouldBe(0);
        bm25.Search("ＯＡ系统里的密码多久要换一次？", 3)[0].Node.ShouldBe(1);
        bm25.Search("如果需要加班，应该怎么办？", 3)[0].Node.ShouldBe(2);
    }
}
