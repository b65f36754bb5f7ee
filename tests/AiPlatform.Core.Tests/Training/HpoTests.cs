using AiPlatform.Core.Common;
using AiPlatform.Core.Training.Hpo;

namespace AiPlatform.Core.Tests.Training;

public sealed class HpoTests
{
    private static readonly IReadOnlyList<SearchParameter> Space =
    [
        new("x", ParameterType.Float, -10, 10),
        new("y", ParameterType.Float, -10, 10),
        new("lr", ParameterType.LogFloat, 1e-4, 1),
        new("kind", ParameterType.Categorical, Choices: ["a", "b", "c"]),
    ];

    /// <summary>Minimum 0 at x = 2, y = -1, lr = 0.01, kind = b.</summary>
    private static double Objective(IReadOnlyDictionary<string, double> v) =>
        Math.Pow(v["x"] - 2, 2) + Math.Pow(v["y"] + 1, 2) + (4 * Math.Pow(Math.Log10(v["lr"]) + 2, 2)) + (v["kind"] == 1 ? 0 : 3);

    [Fact]
    public void Seeded_tpe_finds_a_better_objective_than_random_search_with_the_same_budget()
    {
        const int budget = 60;
        var tpeBest = new List<double>();
        var randomBest = new List<double>();
        foreach (var seed in new[] { 1, 2, 3, 4, 5, 6 })
        {
            tpeBest.Add(Optimize(new TpeSampler(seed), budget));
            randomBest.Add(Optimize(new RandomSampler(seed), budget));
        }

        tpeBest.Average().ShouldBeLessThan(randomBest.Average() * 0.6, $"TPE {string.Join(", ", tpeBest.Select(b => b.ToString("0.00")))} vs random {string.Join(", ", randomBest.Select(b => b.ToString("0.00")))}");
        tpeBest.Zip(randomBest).Count(p => p.First < p.Second).ShouldBeGreaterThanOrEqualTo(5, $"TPE {string.Join(", ", tpeBest.Select(b => b.ToString("0.00")))} vs random {string.Join(", ", randomBest.Select(b => b.ToString("0.00")))}");
    }

    [Fact]
    public void Samplers_stay_in_range_and_are_reproducible()
    {
        var history = new List<TrialObservation>();
        foreach (var sampler in new ISampler[] { new RandomSampler(9), new TpeSampler(9) { StartupTrials = 3 } })
        {
            for (var trial = 0; trial < 30; trial++)
            {
                var values = sampler.Next(Space, history, ObjectiveDirection.Minimize, trial)!;
                values["x"].ShouldBeInRange(-10, 10);
                values["lr"].ShouldBeInRange(1e-4, 1);
                values["kind"].ShouldBeOneOf(0, 1, 2);
                sampler.Next(Space, history, ObjectiveDirection.Minimize, trial).ShouldBe(values);
                history.Add(new TrialObservation(values, Objective(values)));
            }

            history.Clear();
        }
    }

    [Fact]
    public void Grid_enumerates_every_combination_once_then_stops()
    {
        IReadOnlyList<SearchParameter> space = [new("depth", ParameterType.Int, 2, 4), new("kind", ParameterType.Categorical, Choices: ["a", "b"])];
        var grid = new GridSampler(5);
        var points = Enumerable.Range(0, 10).Select(t => grid.Next(space, [], ObjectiveDirection.Minimize, t)).ToList();

        points.Take(6).Select(p => $"{p!["depth"]}{space[1].Format(p["kind"])}").ShouldBe(["2a", "2b", "3a", "3b", "4a", "4b"]);
        points.Skip(6).ShouldAllBe(p => p == null);
        grid.Size(space).ShouldBe(6);
    }

    [Fact]
    public void Median_pruning_stops_a_trial_worse_than_the_median_at_its_step()
    {
        IReadOnlyList<IReadOnlyList<(long, double)>> finished =
        [
            [(0, 1.0), (1, 0.8), (2, 0.6)],
            [(0, 1.0), (1, 0.7), (2, 0.5)],
            [(0, 0.9), (1, 0.6), (2, 0.4)],
        ];

        StudyMath.ShouldPrune([(0, 1.2), (1, 0.9)], finished, ObjectiveDirection.Minimize, startupTrials: 3).Prune.ShouldBeTrue();
        StudyMath.ShouldPrune([(0, 1.2), (1, 0.5)], finished, ObjectiveDirection.Minimize, startupTrials: 3).Prune.ShouldBeFalse();
        StudyMath.ShouldPrune([(0, 1.2), (1, 0.9)], finished, ObjectiveDirection.Minimize, startupTrials: 4).Prune.ShouldBeFalse("too few finished trials");
        StudyMath.ShouldPrune([(0, 1.2), (1, 0.9)], finished, ObjectiveDirection.Minimize, startupTrials: 3, warmupSteps: 2).Prune.ShouldBeFalse("still warming up");
        StudyMath.ShouldPrune([(1, 0.65)], finished, ObjectiveDirection.Maximize, startupTrials: 3).Prune.ShouldBeTrue();
    }

    [Fact]
    public void Importance_points_at_the_parameter_that_drives_the_objective()
    {
        var sampler = new RandomSampler(3);
        var trials = Enumerable.Range(0, 80).Select(t => sampler.Next(Space, [], ObjectiveDirection.Minimize, t)!).Select(v => new TrialObservation(v, Math.Pow(v["x"], 2) + (0.01 * v["y"]))).ToList();

        var importance = StudyMath.Importance(Space, trials);

        importance.MaxBy(i => i.Value).Key.ShouldBe("x");
        importance.Values.Sum().ShouldBe(1, 1e-9);
    }

    [Theory]
    [InlineData("lr", ParameterType.LogFloat, 0, 1, "above 0")]
    [InlineData("n", ParameterType.Int, 1.5, 3, "whole numbers")]
    [InlineData("x", ParameterType.Float, 3, 1, "low < high")]
    [InlineData("bad name", ParameterType.Float, 0, 1, "not a valid parameter name")]
    public void Search_spaces_are_checked(string name, ParameterType type, double low, double high, string expected) =>
        Should.Throw<ValidationException>(() => SearchSpace.Validate([new SearchParameter(name, type, low, high)])).Message.ShouldContain(expected);

    private static double Optimize(ISampler sampler, int budget)
    {
        var history = new List<TrialObservation>();
        for (var trial = 0; trial < budget; trial++)
        {
            var values = sampler.Next(Space, history, ObjectiveDirection.Minimize, trial)!;
            history.Add(new TrialObservation(values, Objective(values)));
        }

        return history.Min(h => h.Objective);
    }
}
