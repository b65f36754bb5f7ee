using AiPlatform.Core.Knowledge;

namespace AiPlatform.Core.Tests.Knowledge;

public sealed class Bm25TokenizerTests
{
    [Fact]
    public void Full_width_latin_digits_and_punctuation_read_as_their_ascii_forms()
    {
        Bm25Index.Tokenize("Ｅ１０４３／ＯＡ").ShouldBe(["e1043", "1043", "oa"]);
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
        Bm25Index.Tokenize("E1043错误").ShouldBe(["e1043", "1043", "错", "误", "错误"]);
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

    [Fact]
    public void A_word_of_letters_and_digits_also_gives_its_runs_of_two_or_more()
    {
        Bm25Index.Tokenize("200MB").ShouldBe(["200mb", "200", "mb"], "a quantity matches its number and its unit");
        Bm25Index.Tokenize("E1043").ShouldBe(["e1043", "1043"], "a code matches its number; the single letter is no part");
        Bm25Index.Tokenize("x3").ShouldBe(["x3"], "no single-character part");
        Bm25Index.Tokenize("100in").ShouldBe(["100in", "100"], "a part that is a stop word is left out");
        Bm25Index.Tokenize("windows11 update").ShouldBe(["windows11", "windows", "11", "update"]);
        Bm25Index.Tokenize("backup").ShouldBe(["backup"], "a word of letters alone is not split");
        Bm25Index.Tokenize("2026").ShouldBe(["2026"], "nor a number alone");
    }

    [Fact]
    public void A_quantity_in_a_question_finds_the_document_that_writes_it_apart()
    {
        var bm25 = new Bm25Index();
        bm25.Add(0, "Attachments larger than 200 MB are rejected by the mail server.");
        bm25.Add(1, "The mail server keeps deleted messages for 30 days.");

        bm25.Search("Can I send a 200MB file?", 2).Select(h => h.Node).ShouldBe([0]);
        bm25.Search("What does error 1043 mean?", 2).ShouldBeEmpty();
        var codes = new Bm25Index();
        codes.Add(0, "E1043: the licence server cannot be reached.");
        codes.Add(1, "E2001: the disk is full.");
        codes.Search("What does error 1043 mean?", 2).Select(h => h.Node).ShouldBe([0], "the code's number finds the code");
    }

    [Fact]
    public void Chinese_questions_add_pairs_of_characters_one_or_two_apart_at_half_weight()
    {
        var terms = Bm25Index.QueryTerms("开不了机");
        foreach (var term in Bm25Index.Tokenize("开不了机").Distinct())
        {
            terms.ShouldContain((term, 1.0));
        }

        terms.Where(t => t.Weight != 1.0).ShouldBe([("开机", 0.5), ("不机", 0.5)], "开了 is left out: 了 is a stop character");
        terms.Select(t => t.Term).ShouldBeUnique();
        Bm25Index.QueryTerms("洗了澡").ShouldContain(("洗澡", 0.5));
    }

    [Fact]
    public void Chinese_skip_pairs_stay_inside_a_run_of_han_and_leave_out_stop_characters_and_words()
    {
        // Punctuation, Latin letters and digits end a run: no pair across them.
        Bm25Index.QueryTerms("开不，了机").ShouldAllBe(t => t.Weight == 1.0);
        Bm25Index.QueryTerms("开不ab了机").ShouldAllBe(t => t.Weight == 1.0);
        Bm25Index.QueryTerms("开不 了机").ShouldAllBe(t => t.Weight == 1.0);
        Bm25Index.QueryTerms("开不12了机").ShouldAllBe(t => t.Weight == 1.0);
        Bm25Index.QueryTerms("How do I reset my VPN password?").ShouldAllBe(t => t.Weight == 1.0, "no pairs in English");

        // A pair with a stop character at either end, or that is a question word, is left out.
        Bm25Index.QueryTerms("我的电脑").Where(t => t.Weight != 1.0).ShouldBeEmpty();
        Bm25Index.QueryTerms("可不可以").Select(t => t.Term).ShouldNotContain("可以", "可…以 would be the question word 可以");
        Bm25Index.QueryTerms("可不可以").Where(t => t.Weight != 1.0).ShouldBe([("可可", 0.5), ("不以", 0.5)]);
    }

    [Fact]
    public void A_skip_pair_that_is_also_a_bigram_of_the_question_keeps_its_full_weight_once()
    {
        // 开…机 (0 and 3) is also the bigram 开机 (2 and 3).
        var terms = Bm25Index.QueryTerms("开了开机");
        terms.Where(t => t.Term == "开机").ShouldHaveSingleItem().Weight.ShouldBe(1.0);
        terms.Select(t => t.Term).ShouldBeUnique();
        terms.Where(t => t.Weight != 1.0).ShouldBe([("开开", 0.5)]);
    }

    [Fact]
    public void A_word_split_by_a_negation_in_the_question_finds_the_document_that_writes_it_whole()
    {
        var bm25 = new Bm25Index();
        bm25.Add(0, "电脑无法开机：先检查电源线，再长按电源键十秒。");
        bm25.Add(1, "打印机卡纸：打开前盖，取出机器里卡住的纸。");
        bm25.Add(2, "密码：每九十天更换一次。");

        // Without the pair 开…机 the printer section wins on the single characters 开 and 机 (打开, 打印机, 机器).
        bm25.Search("开不了机怎么办？", 3)[0].Node.ShouldBe(0);
        bm25.Search("开不了机怎么办？", 3).Select(h => h.Node).ShouldNotContain(2);
    }
}
