using AiPlatform.Core.Apps;

namespace AiPlatform.Core.Tests.Apps;

public sealed class AppRunLimiterTests
{
    [Fact]
    public void Each_caller_has_its_own_count_a_refused_run_takes_no_slot_and_zero_means_no_limit()
    {
        var settings = new AppSettings { MaxConcurrentRunsPerCaller = 2 };
        var limiter = new AppRunLimiter(settings);
        var (ada, key) = (Guid.NewGuid(), Guid.NewGuid());

        var one = limiter.Enter(ada);
        var two = limiter.Enter(ada);
        var refused = Should.Throw<AppRunLimitException>(() => limiter.Enter(ada));
        refused.MessageKey.ShouldBe("Apps.Error.TooManyRuns");
        refused.MessageArguments.ShouldBe([2]);
        limiter.Running(ada).ShouldBe(2, "the refused run was not counted");
        using (limiter.Enter(key))
        {
            limiter.Running(key).ShouldBe(1);
        }

        limiter.Running(key).ShouldBe(0);
        one.Dispose();
        using (limiter.Enter(ada))
        {
            limiter.Running(ada).ShouldBe(2);
        }

        two.Dispose();
        limiter.Running(ada).ShouldBe(0);

        settings.MaxConcurrentRunsPerCaller = 0;
        var many = Enumerable.Range(0, 100).Select(_ => limiter.Enter(ada)).ToList();
        limiter.Running(ada).ShouldBe(0, "without a limit nothing is counted");
        many.ForEach(s => s.Dispose());
    }
}
