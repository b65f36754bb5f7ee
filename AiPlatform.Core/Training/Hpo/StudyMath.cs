namespace AiPlatform.Core.Training.Hpo;

/// <summary>Median-stopping pruning and parameter importance over a study's trials.</summary>
public static class StudyMath
{
    /// <summary>
    /// Optuna's median rule: once <paramref name="startupTrials"/> trials have finished, a running trial whose
    /// value at its latest step (at or after <paramref name="warmupSteps"/>) is worse than the median of the
    /// finished trials' values at that step is stopped. A finished trial's value at a step is its last report at or
    /// before the step.
    /// </summary>
    public static (bool Prune, double Median) ShouldPrune(
        IReadOnlyList<(long Step, double Value)> running,
        IReadOnlyList<IReadOnlyList<(long Step, double Value)>> finished,
        ObjectiveDirection direction,
        int startupTrials = 5,
        long warmupSteps = 0)
    {
        if (running.Count == 0 || finished.Count < startupTrials)
        {
            return (false, double.NaN);
        }

        var (step, value) = running.MaxBy(r => r.Step);
        if (step < warmupSteps || !double.IsFinite(value))
        {
            return (false, double.NaN);
        }

        var others = finished
            .Select(history => history.Where(h => h.Step <= step && double.IsFinite(h.Value)).OrderBy(h => h.Step).LastOrDefault())
            .Where(h => h != default)
            .Select(h => h.Value)
            .Order()
            .ToList();
        if (others.Count == 0)
        {
            return (false, double.NaN);
        }

        var median = others.Count % 2 == 1 ? others[others.Count / 2] : (others[(others.Count / 2) - 1] + others[others.Count / 2]) / 2;
        return (direction == ObjectiveDirection.Minimize ? value > median : value < median, median);
    }

    /// <summary>
    /// How much of the objective's variance each parameter explains on its own (one-way η²: numeric parameters in
    /// quartile bins, categories by value), normalised to sum to 1. Needs at least 4 finished trials.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Importance(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialObservation> trials)
    {
        var result = space.ToDictionary(p => p.Name, _ => 0.0);
        var usable = trials.Where(t => double.IsFinite(t.Objective)).ToList();
        if (usable.Count < 4)
        {
            return result;
        }

        var mean = usable.Average(t => t.Objective);
        var total = usable.Sum(t => (t.Objective - mean) * (t.Objective - mean));
        if (total <= 0)
        {
            return result;
        }

        foreach (var p in space)
        {
            var present = usable.Where(t => t.Values.ContainsKey(p.Name)).ToList();
            IEnumerable<IGrouping<double, TrialObservation>> groups;
            if (p.Type == ParameterType.Categorical)
            {
                groups = present.GroupBy(t => t.Values[p.Name]);
            }
            else
            {
                var sorted = present.Select(t => p.ToInternal(t.Values[p.Name])).Order().ToList();
                var cuts = new[] { 0.25, 0.5, 0.75 }.Select(q => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))]).ToArray();
                groups = present.GroupBy(t => (double)cuts.Count(c => p.ToInternal(t.Values[p.Name]) > c));
            }

            result[p.Name] = groups.Sum(g => g.Count() * Math.Pow(g.Average(t => t.Objective) - mean, 2)) / total;
        }

        var sum = result.Values.Sum();
        return sum <= 0 ? result : result.ToDictionary(r => r.Key, r => r.Value / sum);
    }
}
