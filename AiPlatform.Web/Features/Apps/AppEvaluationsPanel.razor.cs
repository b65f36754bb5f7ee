using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using App = AiPlatform.Core.Apps.App;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// The editor's evaluations tab: start an evaluation of a version over a dataset version (input mapping, expected
/// column, scorers), the list with status, progress and metrics (refreshed while one runs), links to each experiment
/// run and to the run compare page for the selected ones, and cancel.
/// </summary>
public partial class AppEvaluationsPanel : PlatformPage
{
    private readonly HashSet<Guid> _selected = [];
    private readonly Dictionary<Guid, string> _datasetNames = [];
    private List<AppEvaluation> _evaluations = [];
    private IReadOnlyList<AppVersion> _versions = [];
    private IReadOnlyList<Dataset> _datasets = [];
    private IReadOnlyList<DatasetVersion> _datasetVersions = [];
    private IReadOnlyList<string> _columns = [];
    private IReadOnlyList<string> _fields = [];
    private EvaluationForm? _form;
    private PeriodicTimer? _timer;

    [Parameter, EditorRequired]
    public App App { get; set; } = default!;

    [Inject]
    private AppEvaluationService Evaluations { get; set; } = default!;

    [Inject]
    private AppVersionService Versions { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    private string CompareUrl => $"/runs/compare?ids={string.Join(',', _evaluations.Where(e => _selected.Contains(e.Id) && e.ExperimentRunId is not null).Select(e => e.ExperimentRunId))}";

    protected override async Task OnInitializedAsync()
    {
        await ReloadAsync();
        _ = PollAsync();
    }

    /// <summary>Refreshes the list every two seconds while an evaluation is queued or running.</summary>
    private async Task PollAsync()
    {
        _timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await _timer.WaitForNextTickAsync(PageToken))
            {
                if (_evaluations.Any(e => e.Status is AppEvaluationStatus.Queued or AppEvaluationStatus.Running))
                {
                    await InvokeAsync(async () =>
                    {
                        await ReloadAsync();
                        StateHasChanged();
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReloadAsync() => await RunAsync(async ct =>
    {
        _evaluations = [.. (await Evaluations.ListAsync(App.Id, new PageRequest(0, 50), ct)).Items];
        foreach (var id in _evaluations.Select(e => e.DatasetId).Distinct().Where(id => !_datasetNames.ContainsKey(id)))
        {
            try
            {
                _datasetNames[id] = (await Datasets.GetAsync(id, ct)).Dataset.Name;
            }
            catch (NotFoundException)
            {
                _datasetNames[id] = "?";
            }
        }
    });

    private async Task OpenFormAsync() => await RunAsync(async ct =>
    {
        _versions = await Versions.ListAsync(App.Id, ct);
        _datasets = (await Datasets.ListAsync(null, null, new PageRequest(0, 200), ct)).Items;
        var form = new EvaluationForm { Version = _versions.FirstOrDefault(v => v.Id == App.PublishedVersionId)?.Number ?? _versions.FirstOrDefault()?.Number ?? 0 };
        _form = form;
        LoadFields();
        if (_datasets.FirstOrDefault() is { } first)
        {
            await DatasetChangedAsync(first.Id);
        }
    });

    /// <summary>A scorer kind by its name in the reader's language (the API and the settings keep the kind's identifier).</summary>
    private string ScorerKindName(string? kind) => kind is null ? string.Empty : L[$"Apps.Eval.Kind.{kind}"] is { ResourceNotFound: false } name ? name.Value : kind;

    private Task VersionChangedAsync(int number)
    {
        if (_form is { } form)
        {
            form.Version = number;
            LoadFields();
            AutoMap();
        }

        return Task.CompletedTask;
    }

    private async Task DatasetChangedAsync(Guid id)
    {
        if (_form is not { } form)
        {
            return;
        }

        form.DatasetId = id;
        await RunAsync(async ct =>
        {
            _datasetVersions = await Datasets.ListVersionsAsync(id, ct);
            DatasetVersionChanged(_datasetVersions.MaxBy(v => v.Number)?.Number ?? 0);
        });
    }

    private void DatasetVersionChanged(int number)
    {
        if (_form is not { } form)
        {
            return;
        }

        form.DatasetVersion = number;
        _columns = [.. _datasetVersions.FirstOrDefault(v => v.Number == number)?.Columns.Select(c => c.Name) ?? []];
        AutoMap();
    }

    /// <summary>The start fields of the chosen version.</summary>
    private void LoadFields()
    {
        var graph = _versions.FirstOrDefault(v => v.Number == _form?.Version) is { } version ? AppGraph.FromJson(version.GraphJson) : null;
        var start = graph?.Nodes.FirstOrDefault(n => n.Type == AppNodeTypes.Start);
        _fields = start?.Config["fields"] is JsonArray fields
            ? [.. fields.OfType<JsonObject>().Select(f => f["name"]?.GetValue<string>()).OfType<string>()]
            : [];
    }

    /// <summary>Columns named like a field, the question or the expected output are chosen for them; unknown choices are dropped.</summary>
    private void AutoMap()
    {
        if (_form is not { } form)
        {
            return;
        }

        foreach (var field in _fields)
        {
            if (!_columns.Contains(form.Inputs.GetValueOrDefault(field) ?? string.Empty))
            {
                form.Inputs[field] = _columns.FirstOrDefault(c => string.Equals(c, field, StringComparison.OrdinalIgnoreCase));
            }
        }

        if (!_columns.Contains(form.Query ?? string.Empty))
        {
            form.Query = _columns.FirstOrDefault(c => c is "query" or "question" or "input") ?? _columns.FirstOrDefault();
        }

        if (!_columns.Contains(form.Expected ?? string.Empty))
        {
            form.Expected = _columns.FirstOrDefault(c => c is "expected" or "answer" or "label" or "output");
        }
    }

    private async Task StartAsync()
    {
        if (_form is not { } form)
        {
            return;
        }

        var request = new AppEvaluationRequest(form.Version, form.DatasetId, form.DatasetVersion, new AppEvaluationSettings(
            form.Inputs.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!),
            App.Kind == AppKind.Chat ? form.Query : null,
            form.Expected,
            App.Kind == AppKind.Chat ? null : form.Output,
            [.. form.Scorers.Select(s => s.ToScorer())],
            form.Concurrency));
        if (await RunAsync(ct => Evaluations.StartAsync(App.Id, request, ct), L["Apps.Eval.Started"]))
        {
            _form = null;
            await ReloadAsync();
        }
    }

    private async Task CancelAsync(AppEvaluation evaluation)
    {
        if (await RunAsync(ct => Evaluations.CancelAsync(App.Id, evaluation.Id, ct), L["Apps.Eval.Cancelled"]))
        {
            await ReloadAsync();
        }
    }

    private void Toggle(Guid id, bool on)
    {
        if (on)
        {
            _selected.Add(id);
        }
        else
        {
            _selected.Remove(id);
        }
    }

    private static Dictionary<string, double> Metrics(AppEvaluation evaluation) =>
        evaluation.SummaryJson is { } json ? JsonSerializer.Deserialize<Dictionary<string, double>>(json) ?? [] : [];

    public static Color StatusColor(AppEvaluationStatus status) => status switch
    {
        AppEvaluationStatus.Succeeded => Color.Success,
        AppEvaluationStatus.Failed => Color.Error,
        AppEvaluationStatus.Cancelled => Color.Warning,
        _ => Color.Info,
    };

    protected override void Dispose(bool disposing)
    {
        _timer?.Dispose();
        base.Dispose(disposing);
    }

    private sealed class EvaluationForm
    {
        public int Version { get; set; }

        public Guid DatasetId { get; set; }

        public int DatasetVersion { get; set; }

        public Dictionary<string, string?> Inputs { get; } = [];

        public string? Query { get; set; }

        public string? Expected { get; set; }

        public string? Output { get; set; }

        public List<ScorerForm> Scorers { get; } = [new()];

        public int Concurrency { get; set; } = 4;
    }

    /// <summary>A scorer as the form edits it: one setting whose meaning depends on the kind.</summary>
    private sealed class ScorerForm
    {
        public string Kind { get; set; } = AppEvaluationScorers.Exact;

        public string? Name { get; set; }

        public string? Setting { get; set; }

        public string? Rubric { get; set; }

        public AppEvaluationScorer ToScorer()
        {
            var settings = new JsonObject();
            var setting = string.IsNullOrWhiteSpace(Setting) ? null : Setting.Trim();
            switch (Kind)
            {
                case AppEvaluationScorers.Regex when setting is not null:
                    settings["pattern"] = setting;
                    break;
                case AppEvaluationScorers.JsonField when setting is not null:
                    settings["path"] = setting;
                    break;
                case AppEvaluationScorers.Numeric when setting is not null:
                    settings["tolerance"] = setting;
                    break;
                case AppEvaluationScorers.Embedding when setting is not null:
                    settings["threshold"] = setting;
                    break;
                case AppEvaluationScorers.LlmJudge:
                    settings["model"] = setting;
                    settings["rubric"] = Rubric;
                    break;
            }

            return new AppEvaluationScorer(Kind, string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(), settings);
        }
    }
}
