namespace AiPlatform.Core.Training.Hpo;

public enum SamplerKind
{
    Random,
    Grid,

    /// <summary>Tree-structured Parzen Estimator (Bergstra et al. 2011), as Optuna's default sampler does it.</summary>
    Tpe,
}

public enum ObjectiveDirection
{
    Minimize,
    Maximize,
}

/// <summary>A finished trial as samplers see it: its values (by parameter name) and objective.</summary>
public sealed record TrialObservation(IReadOnlyDictionary<string, double> Values, double Objective);

/// <summary>Proposes the next trial's values from the finished ones.</summary>
public interface ISampler
{
    /// <summary>Values for trial number <paramref name="trial"/> (0-based); null when the sampler has nothing left (a finished grid).</summary>
    IReadOnlyDictionary<string, double>? Next(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialObservation> history, ObjectiveDirection direction, int trial);
}

public static class Samplers
{
    public static ISampler Create(SamplerKind kind, int seed, int gridPoints = 5) => kind switch
    {
        SamplerKind.Grid => new GridSampler(gridPoints),
        SamplerKind.Tpe => new TpeSampler(seed),
        _ => new RandomSampler(seed),
    };
}

/// <summary>Independent uniform draws (log-uniform for log-floats); trial n uses its own seeded generator, so it is reproducible.</summary>
public sealed class RandomSampler(int seed) : ISampler
{
    public IReadOnlyDictionary<string, double>? Next(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialObservation> history, ObjectiveDirection direction, int trial)
    {
        var random = new Random(unchecked((seed * 1_000_003) + trial));
        return space.ToDictionary(p => p.Name, p => Draw(p, random));
    }

    internal static double Draw(SearchParameter p, Random random)
    {
        if (p.Type == ParameterType.Categorical)
        {
            return random.Next(p.Choices!.Count);
        }

        var (low, high) = p.InternalRange;
        return Clamp(p, p.FromInternal(low + (random.NextDouble() * (high - low))));
    }

    internal static double Clamp(SearchParameter p, double value) =>
        p.Type == ParameterType.Categorical ? Math.Clamp(Math.Round(value), 0, p.Choices!.Count - 1) : Math.Clamp(value, p.Low!.Value, p.High!.Value);
}

/// <summary>Every combination of <c>points</c> evenly spaced values per numeric parameter (all choices for categories), in order.</summary>
public sealed class GridSampler(int points) : ISampler
{
    public IReadOnlyDictionary<string, double>? Next(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialObservation> history, ObjectiveDirection direction, int trial)
    {
        var axes = space.Select(Levels).ToList();
        var total = axes.Aggregate(1L, (n, a) => n * a.Count);
        if (trial >= total)
        {
            return null;
        }

        var result = new Dictionary<string, double>();
        long index = trial;
        for (var i = space.Count - 1; i >= 0; i--)
        {
            result[space[i].Name] = axes[i][(int)(index % axes[i].Count)];
            index /= axes[i].Count;
        }

        return result;
    }

    public long Size(IReadOnlyList<SearchParameter> space) => space.Select(Levels).Aggregate(1L, (n, a) => n * a.Count);

    private List<double> Levels(SearchParameter p)
    {
        if (p.Type == ParameterType.Categorical)
        {
            return Enumerable.Range(0, p.Choices!.Count).Select(i => (double)i).ToList();
        }

        var (low, high) = p.Type == ParameterType.LogFloat ? (Math.Log(p.Low!.Value), Math.Log(p.High!.Value)) : (p.Low!.Value, p.High!.Value);
        var n = Math.Max(2, points);
        var levels = Enumerable.Range(0, n).Select(i => p.FromInternal(low + ((high - low) * i / (n - 1)))).Distinct().ToList();
        return p.Type == ParameterType.Int ? levels.Select(l => Math.Round(l)).Distinct().ToList() : levels;
    }
}

/// <summary>
/// TPE: after <see cref="StartupTrials"/> random trials, the finished trials are split at the γ-quantile of the
/// objective into "good" and "bad"; per parameter, Parzen estimators l(x) (good) and g(x) (bad) are fitted —
/// Gaussian kernels in the (log) numeric space, smoothed frequencies for categories — and of
/// <see cref="Candidates"/> draws from l the one with the largest l(x)/g(x) is proposed.
/// </summary>
public sealed class TpeSampler(int seed) : ISampler
{
    public int StartupTrials { get; init; } = 10;

    public int Candidates { get; init; } = 24;

    public double Gamma { get; init; } = 0.1;

    public IReadOnlyDictionary<string, double>? Next(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialObservation> history, ObjectiveDirection direction, int trial)
    {
        var random = new Random(unchecked((seed * 1_000_003) + (trial * 7919) + 17));
        if (history.Count < StartupTrials)
        {
            return space.ToDictionary(p => p.Name, p => RandomSampler.Draw(p, random));
        }

        var ordered = (direction == ObjectiveDirection.Minimize ? history.OrderBy(h => h.Objective) : history.OrderByDescending(h => h.Objective)).ToList();
        // Optuna's default split: the best ⌈γ·n⌉ trials (at most 25) are "good".
        var goodCount = Math.Clamp((int)Math.Ceiling(Gamma * ordered.Count), 1, Math.Min(25, ordered.Count - 1));
        var good = ordered.Take(goodCount).ToList();
        var bad = ordered.Skip(goodCount).ToList();
        var result = new Dictionary<string, double>();
        foreach (var p in space)
        {
            result[p.Name] = p.Type == ParameterType.Categorical
                ? SampleCategorical(p, good, bad, random)
                : SampleNumeric(p, good, bad, random);
        }

        return result;
    }

    private double SampleNumeric(SearchParameter p, List<TrialObservation> good, List<TrialObservation> bad, Random random)
    {
        var (low, high) = p.InternalRange;
        var l = new Parzen(good.Where(g => g.Values.ContainsKey(p.Name)).Select(g => p.ToInternal(g.Values[p.Name])).ToList(), low, high);
        var g = new Parzen(bad.Where(b => b.Values.ContainsKey(p.Name)).Select(b => p.ToInternal(b.Values[p.Name])).ToList(), low, high);
        var best = double.NaN;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < Candidates; i++)
        {
            var x = l.Sample(random);
            var score = l.LogDensity(x) - g.LogDensity(x);
            if (score > bestScore)
            {
                (best, bestScore) = (x, score);
            }
        }

        return RandomSampler.Clamp(p, p.FromInternal(best));
    }

    private double SampleCategorical(SearchParameter p, List<TrialObservation> good, List<TrialObservation> bad, Random random)
    {
        var k = p.Choices!.Count;
        double[] Weights(List<TrialObservation> trials)
        {
            var w = Enumerable.Repeat(1.0, k).ToArray();
            foreach (var t in trials)
            {
                if (t.Values.TryGetValue(p.Name, out var v))
                {
                    w[(int)v] += 1;
                }
            }

            var sum = w.Sum();
            return w.Select(x => x / sum).ToArray();
        }

        var l = Weights(good);
        var g = Weights(bad);
        var best = 0;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < Candidates; i++)
        {
            var u = random.NextDouble();
            var c = 0;
            for (var acc = l[0]; acc < u && c < k - 1; acc += l[++c])
            {
            }

            var score = Math.Log(l[c]) - Math.Log(g[c]);
            if (score > bestScore)
            {
                (best, bestScore) = (c, score);
            }
        }

        return best;
    }

    /// <summary>A mixture of Gaussians centred on the observations plus a wide prior component, truncated to the range.</summary>
    private sealed class Parzen
    {
        private readonly List<double> _mus;
        private readonly List<double> _sigmas;
        private readonly double _low;
        private readonly double _high;

        public Parzen(List<double> observations, double low, double high)
        {
            (_low, _high) = (low, high);
            var width = high - low;
            var points = observations.Append((low + high) / 2).Order().ToList();
            _mus = points;
            _sigmas = [];
            for (var i = 0; i < points.Count; i++)
            {
                var left = i == 0 ? points[i] - low : points[i] - points[i - 1];
                var right = i == points.Count - 1 ? high - points[i] : points[i + 1] - points[i];
                var sigma = Math.Max(left, right);
                _sigmas.Add(Math.Clamp(sigma, width / Math.Min(100, 1 + points.Count), width));
            }

            // The prior component is as wide as the whole range.
            var prior = points.IndexOf((low + high) / 2);
            _sigmas[prior] = width;
        }

        public double Sample(Random random)
        {
            var i = random.Next(_mus.Count);
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var x = _mus[i] + (_sigmas[i] * Gaussian(random));
                if (x >= _low && x <= _high)
                {
                    return x;
                }
            }

            return Math.Clamp(_mus[i], _low, _high);
        }

        public double LogDensity(double x)
        {
            var sum = 0.0;
            for (var i = 0; i < _mus.Count; i++)
            {
                var z = (x - _mus[i]) / _sigmas[i];
                sum += Math.Exp(-0.5 * z * z) / (_sigmas[i] * Math.Sqrt(2 * Math.PI));
            }

            return Math.Log(Math.Max(sum / _mus.Count, 1e-300));
        }

        private static double Gaussian(Random random)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
