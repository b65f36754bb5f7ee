using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Features.Tracking;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Training;

public partial class NewStudyPage : PlatformPage
{
    private readonly List<Row> _rows = [];
    private TrainingRequest? _base;
    private TrainingRun? _baseRun;
    private IReadOnlyList<string> _metrics = [];
    private string? _error;
    private string? _name;
    private string? _objective;
    private ObjectiveDirection _direction = ObjectiveDirection.Maximize;
    private SamplerKind _sampler = SamplerKind.Tpe;
    private int _maxTrials = 20;
    private int _parallelism = 2;
    private bool _pruning;
    private int _startup = 5;
    private int _seed = 42;

    /// <summary>The training run whose settings every trial starts from.</summary>
    [SupplyParameterFromQuery(Name = "from")]
    public Guid? From { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (From is not { } from)
        {
            return;
        }

        try
        {
            // The base run itself (not the clone's "-rerun" name, which names no run): its name and its metrics.
            _baseRun = (await Training.GetAsync(from, PageToken)).Run;
            _base = await Training.CloneRequestAsync(from, PageToken);
            _metrics = await MetricsOfAsync(_baseRun);
        }
        catch (PlatformException ex)
        {
            _error = L.Describe(ex);
            return;
        }

        _name = _baseRun.Name + "-search";
        if (_base.BuiltIn is { } b)
        {
            (_objective, _direction) = TrainerCatalog.DefaultObjective(b.Task);
            if (_metrics.Count > 0 && !_metrics.Contains(_objective))
            {
                ChooseObjective(_metrics[0]);
            }

            foreach (var range in TrainerCatalog.SearchRangesOf(b.Trainer))
            {
                _rows.Add(new Row { Name = range.Name, Type = range.Type, Low = range.Low, High = range.High });
            }
        }
        else if (_metrics.Count > 0)
        {
            ChooseObjective(_metrics.FirstOrDefault(m => m == "loss") ?? _metrics[0]);
            _rows.Add(new Row { Name = "lr", Type = ParameterType.LogFloat, Low = 1e-4, High = 1e-1 });
        }
        else
        {
            (_objective, _direction) = ("loss", ObjectiveDirection.Minimize);
            _rows.Add(new Row { Name = "lr", Type = ParameterType.LogFloat, Low = 1e-4, High = 1e-1 });
        }
    }

    /// <summary>The metrics the base run logged (not the system ones): the objective is picked from them.</summary>
    private async Task<IReadOnlyList<string>> MetricsOfAsync(TrainingRun run)
    {
        try
        {
            return (await Runs.GetRunAsync(run.TrackingRunId, PageToken)).Metrics.Select(m => m.Key)
                .Where(k => !k.StartsWith("system/", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        }
        catch (PlatformException)
        {
            return [];
        }
    }

    /// <summary>A metric was picked: the goal follows its direction (lower is better for losses, errors and times).</summary>
    private void ChooseObjective(string? metric)
    {
        _objective = metric;
        _direction = metric is not null && MetricDirection.LowerIsBetter(metric) ? ObjectiveDirection.Minimize : ObjectiveDirection.Maximize;
    }

    private async Task SubmitAsync()
    {
        try
        {
            var space = _rows.Select(r => new SearchParameter(
                r.Name ?? string.Empty,
                r.Type,
                r.Type == ParameterType.Categorical ? null : r.Low,
                r.Type == ParameterType.Categorical ? null : r.High,
                r.Type == ParameterType.Categorical ? (r.Choices ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null)).ToList();
            var study = await Studies.CreateAsync(new StudyRequest(_name, _base!, space, _objective ?? string.Empty, _direction, _sampler, _maxTrials, _parallelism, _pruning, _startup, _seed, _baseRun?.Id), PageToken);
            Navigation.NavigateTo($"/studies/{study.Id}");
        }
        catch (PlatformException ex)
        {
            _error = L.Describe(ex);
        }
    }

    private sealed class Row
    {
        public string? Name { get; set; }

        public ParameterType Type { get; set; } = ParameterType.Float;

        public double? Low { get; set; }

        public double? High { get; set; }

        public string? Choices { get; set; }
    }

    [Inject]
    private StudyService Studies { get; set; } = default!;

    [Inject]
    private TrainingService Training { get; set; } = default!;

    [Inject]
    private RunService Runs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;
}
