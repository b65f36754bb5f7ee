using System.Globalization;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Training.Hpo;

public enum ParameterType
{
    Float,

    /// <summary>A float sampled uniformly in log space (learning rates, regularization).</summary>
    LogFloat,
    Int,
    Categorical,
}

/// <summary>One searched parameter: a range for numbers, a list of choices for categories.</summary>
public sealed record SearchParameter(string Name, ParameterType Type, double? Low = null, double? High = null, IReadOnlyList<string>? Choices = null)
{
    /// <summary>The value as text, the way it goes into params, command placeholders and environment variables.</summary>
    public string Format(double value) => Type switch
    {
        ParameterType.Int => ((long)Math.Round(value)).ToString(CultureInfo.InvariantCulture),
        ParameterType.Categorical => Choices![(int)value],
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Where the sampler works: log space for log-floats, the index for categories.</summary>
    internal double ToInternal(double value) => Type == ParameterType.LogFloat ? Math.Log(value) : value;

    internal double FromInternal(double value) => Type switch
    {
        ParameterType.LogFloat => Math.Exp(value),
        ParameterType.Int => Math.Round(value),
        _ => value,
    };

    internal (double Low, double High) InternalRange => Type switch
    {
        ParameterType.LogFloat => (Math.Log(Low!.Value), Math.Log(High!.Value)),
        ParameterType.Int => (Low!.Value - 0.5, High!.Value + 0.5),
        ParameterType.Categorical => (0, Choices!.Count - 1),
        _ => (Low!.Value, High!.Value),
    };
}

public static class SearchSpace
{
    public const int MaxParameters = 20;

    /// <summary>Checks names, ranges and choices; throws <see cref="ValidationException"/> with the first problem.</summary>
    public static IReadOnlyList<SearchParameter> Validate(IReadOnlyList<SearchParameter>? parameters)
    {
        if (parameters is not { Count: > 0 } || parameters.Count > MaxParameters)
        {
            throw new ValidationException("searchSpace", $"A search space has 1 to {MaxParameters} parameters.");
        }

        foreach (var p in parameters)
        {
            if (string.IsNullOrWhiteSpace(p.Name) || p.Name.Length > 100 || !p.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ValidationException("searchSpace", $"'{p.Name}' is not a valid parameter name (letters, digits and _).");
            }

            switch (p.Type)
            {
                case ParameterType.Categorical:
                    if (p.Choices is not { Count: > 0 } || p.Choices.Count > 100 || p.Choices.Distinct().Count() != p.Choices.Count)
                    {
                        throw new ValidationException("searchSpace", $"'{p.Name}' needs 1 to 100 distinct choices.");
                    }

                    break;
                case ParameterType.Float or ParameterType.LogFloat or ParameterType.Int:
                    if (p.Low is not { } low || p.High is not { } high || !double.IsFinite(low) || !double.IsFinite(high) || low >= high)
                    {
                        throw new ValidationException("searchSpace", $"'{p.Name}' needs a range with low < high.");
                    }

                    if (p.Type == ParameterType.LogFloat && low <= 0)
                    {
                        throw new ValidationException("searchSpace", $"'{p.Name}' is log-scaled, so its range must be above 0.");
                    }

                    if (p.Type == ParameterType.Int && (low != Math.Floor(low) || high != Math.Floor(high)))
                    {
                        throw new ValidationException("searchSpace", $"'{p.Name}' is an integer, so its range ends must be whole numbers.");
                    }

                    break;
                default:
                    throw new ValidationException("searchSpace", $"'{p.Name}' has an unknown type.");
            }
        }

        if (parameters.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != parameters.Count)
        {
            throw new ValidationException("searchSpace", "A parameter is listed twice.");
        }

        return parameters;
    }
}
