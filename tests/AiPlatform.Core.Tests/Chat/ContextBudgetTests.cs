using AiPlatform.Core.Chat;

namespace AiPlatform.Core.Tests.Chat;

public class ContextBudgetTests
{
    [Fact]
    public void The_estimate_counts_ascii_at_three_characters_a_token_and_other_characters_at_one_and_a_half()
    {
        ContextBudget.Estimate(string.Empty).ShouldBe(ContextBudget.PerMessage);
        ContextBudget.Estimate(new string('a', 300)).ShouldBe(ContextBudget.PerMessage + 100);
        ContextBudget.Estimate(new string('a', 301)).ShouldBe(ContextBudget.PerMessage + 101, "rounded up");
        ContextBudget.Estimate("模型上下文窗口").ShouldBe(ContextBudget.PerMessage + 11);
        ContextBudget.Estimate("😀").ShouldBe(ContextBudget.PerMessage + 2, "a surrogate pair is one character");
    }

    [Fact]
    public void Without_a_known_window_everything_is_sent()
    {
        var plan = ContextBudget.Plan(null, 10, 20, 5, [100, 100], [(1000, true), (1000, false)]);

        plan.Fits.ShouldBeTrue();
        plan.Sources.ShouldBe([0, 1]);
        plan.HistoryFrom.ShouldBe(0);
        plan.Tokens.ShouldBe(10 + 20 + 5 + 200 + 2000);
    }

    [Fact]
    public void A_question_that_does_not_fit_with_the_answer_reserve_is_not_sent()
    {
        // 1,000 tokens: 250 are kept for the answer, 750 for the prompt.
        ContextBudget.Plan(1000, 50, 700, 5, [], []).Fits.ShouldBeTrue();
        var plan = ContextBudget.Plan(1000, 51, 700, 5, [], []);
        plan.Fits.ShouldBeFalse();
        plan.Tokens.ShouldBe(751);
        ContextBudget.AnswerReserve(100_000).ShouldBe(1024, "at most 1,024 tokens are kept for the answer");
    }

    [Fact]
    public void Sources_take_up_to_half_the_room_earlier_messages_the_rest_newest_first_and_leftover_room_goes_to_further_sources()
    {
        // Room: 1,000 - 250 - 100 - 50 = 600; sources may take 300 first.
        var plan = ContextBudget.Plan(1000, 100, 50, 10, [140, 140, 140, 20], [(200, true), (100, false), (100, true), (100, false)]);

        plan.Sources.ShouldBe([0, 1, 3], "source 2 would pass half the room; the small fourth still fits");
        plan.HistoryFrom.ShouldBe(2, "the last two messages fit in what is left (600 - 310), the first two do not");
        plan.Tokens.ShouldBe(100 + 50 + 310 + 200);

        // Short history leaves room that further sources use.
        var roomy = ContextBudget.Plan(1000, 100, 50, 10, [140, 140, 140, 20], [(50, true), (50, false)]);
        roomy.Sources.ShouldBe([0, 1, 2, 3]);
        roomy.HistoryFrom.ShouldBe(0);
    }

    [Fact]
    public void The_kept_history_starts_at_a_question_never_at_a_dangling_answer()
    {
        // Room: 1,000 - 250 - 0 - 50 = 700: the two answers and the second question fit, the first question does not.
        var plan = ContextBudget.Plan(1000, 0, 50, 10, [], [(500, true), (100, false), (100, true), (100, false)]);

        plan.HistoryFrom.ShouldBe(2);
        plan.Tokens.ShouldBe(50 + 200);
    }

    [Fact]
    public void A_measured_scale_turns_estimates_into_the_models_tokens_and_is_learned_as_a_moving_average()
    {
        // A tokenizer thriftier than the estimate leaves room for more: 750 real tokens are 1,000 estimated at 0.75.
        ContextBudget.Plan(1000, 0, 1000, 0, [], [], scale: 0.75).Fits.ShouldBeTrue();
        ContextBudget.Plan(1000, 0, 1000, 0, [], []).Fits.ShouldBeFalse();
        ContextBudget.Plan(1000, 0, 1000, 0, [], [], scale: 0.75).Tokens.ShouldBe(750, "in the model's tokens");

        // A costlier one leaves less: at 2 real tokens an estimated one, 400 estimated no longer fit the 750.
        ContextBudget.Plan(1000, 0, 400, 0, [], [], scale: 2).Fits.ShouldBeFalse();

        ContextBudget.ScaleFor(null).ShouldBe(1);
        ContextBudget.ScaleFor(0.7).ShouldBe(0.77, 1e-9);
        ContextBudget.ScaleFor(0.01).ShouldBe(0.25, "a tokenizer four times thriftier than the estimate is not believed");

        var first = ContextBudget.Learn(null, 75, 100);
        first.ShouldBe(0.75);
        ContextBudget.Learn(first, 95, 100).ShouldBe(0.81, "30 % weight for the new answer");
        ContextBudget.Learn(null, 5000, 1).ShouldBe(10, "one odd count does not run away");
    }
}
