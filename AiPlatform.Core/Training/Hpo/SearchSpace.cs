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
            throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceSize, $"A search space has 1 to {MaxParameters} parameters.", MaxParameters);
        }

        foreach (var p in parameters)
        {
            if (string.IsNullOrWhiteSpace(p.Name) || p.Name.Length > 100 || !p.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceName, $"'{p.Name}' is not a valid parameter name (letters, digits and _).", p.Name ?? string.Empty);
            }

            switch (p.Type)
            {
                case ParameterType.Categorical:
                    if (p.Choices is not { Count: > 0 } || p.Choices.Count > 100 || p.Choices.Distinct().Count() != p.Choices.Count)
                    {
                        throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceChoices, $"'{p.Name}' needs 1 to 100 distinct choices.", p.Name);
                    }

                    break;
                case ParameterType.Float or ParameterType.LogFloat or ParameterType.Int:
                    if (p.Low is not { } low || p.High is not { } high || !double.IsFinite(low) || !double.IsFinite(high) || low >= high)
                    {
                        throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceRange, $"'{p.Name}' needs a range with low < high.", p.Name);
                    }

                    if (p.Type == ParameterType.LogFloat && low <= 0)
                    {
                        throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceLogRange, $"'{p.Name}' is log-scaled, so its range must be above 0.", p.Name);
                    }

                    if (p.Type == ParameterType.Int && (low != Math.Floor(low) || high != Math.Floor(high)))
                    {
                        throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceIntRange, $"'{p.Name}' is an integer, so its range ends must be whole numbers.", p.Name);
                    }

                    break;
                default:
                    throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceType, $"'{p.Name}' has an unknown type.", p.Name);
            }
        }

        if (parameters.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != parameters.Count)
        {
            throw TrainingErrors.Invalid("searchSpace", TrainingErrors.SpaceTwice, "A parameter is listed twice.");
        }

        return parameters;
    }
}
