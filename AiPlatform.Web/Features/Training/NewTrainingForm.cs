using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;

namespace AiPlatform.Web.Features.Training;

/// <summary>
/// The state of the new-training wizard: what the user chose on each step, what each step checks before it is left,
/// filling in from a run to clone, and the <see cref="TrainingRequest"/> it builds. No services: the page loads the lists.
/// </summary>
public sealed class NewTrainingForm
{
    /// <summary>Localization keys of the steps' names, in order.</summary>
    public static readonly string[] StepNames = ["Training.StepExperiment", "Training.StepData", "Training.StepTrainer", "Training.StepBackend"];

    public int Step { get; private set; }

    public IReadOnlyList<ExperimentSummary> Experiments { get; set; } = [];

    public IReadOnlyList<Dataset> Datasets { get; set; } = [];

    public IReadOnlyList<DatasetVersion> Versions { get; set; } = [];

    public IReadOnlyList<DatasetColumn> Columns { get; set; } = [];

    /// <summary>The chosen version's profile (null while it is being profiled): tells one-class labels and id columns.</summary>
    public DatasetProfile? Profile { get; private set; }

    public IReadOnlyList<TrainingBackendKind> BackendKinds { get; set; } = [TrainingBackendKind.Local];

    public bool CustomAllowed { get; set; } = true;

    public Guid? ExperimentId { get; set; }

    public string? Name { get; set; }

    public TrainingKind Kind { get; set; } = TrainingKind.BuiltIn;

    public Guid? DatasetId { get; set; }

    public Guid? VersionId { get; set; }

    public TrainingTask Task { get; set; } = TrainingTask.BinaryClassification;

    public TrainerAlgorithm Trainer { get; private set; } = TrainerAlgorithm.LightGbm;

    public string? Label { get; set; }

    public List<string> Features { get; set; } = [];

    public Dictionary<string, double?> Hyperparameters { get; } = [];

    public int Folds { get; set; }

    public double TestFraction { get; set; } = 0.2;

    public int Seed { get; set; } = 42;

    public string? Command { get; set; }

    public string CodeSource { get; set; } = "none";

    public string? CodeKey { get; set; }

    public string? CodeName { get; set; }

    public string? GitUrl { get; set; }

    public string? GitRef { get; set; }

    public string? Environment { get; set; }

    public int Timeout { get; set; }

    public TrainingBackendKind Backend { get; set; } = TrainingBackendKind.Local;

    public string? Image { get; set; }

    public double Cpu { get; set; }

    public int MemoryMb { get; set; }

    public int Gpus { get; set; }

    public int Workers { get; set; } = 1;

    public int Priority { get; set; }

    public bool IsLastStep => Step == StepNames.Length - 1;

    /// <summary>The hyperparameters the chosen trainer takes.</summary>
    public IReadOnlyList<string> TrainerHyperparameters => TrainerCatalog.HyperparametersOf(Trainer);

    /// <summary>The value the trainer uses for <paramref name="key"/> when the field is left empty.</summary>
    public string DefaultOf(string key) => BuiltInSpecRules.Format(TrainerCatalog.DefaultOf(Trainer, Task, key));

    /// <summary>Why the chosen label does not suit the task (checked while the label is chosen), or null.</summary>
    public ValidationException? LabelProblem => Kind == TrainingKind.BuiltIn && VersionId is not null
        ? BuiltInSpecRules.CheckLabel(Task, Label, Columns, Profile?.Columns.FirstOrDefault(c => c.Name == Label))
        : null;

    /// <summary>Whether <paramref name="column"/> identifies rows (left out of the default features).</summary>
    public bool IsIdLike(DatasetColumn column) =>
        BuiltInSpecRules.IsIdLike(column, Profile?.Columns.FirstOrDefault(c => c.Name == column.Name), Versions.FirstOrDefault(v => v.Id == VersionId)?.RowCount ?? 0);

    /// <summary>
    /// Moves to <paramref name="step"/>; going forward, the current step must be complete. Returns what is missing (a
    /// localization key and its values), or null when it moved.
    /// </summary>
    public FormProblem? GoTo(int step)
    {
        var missing = step > Step ? Check() : null;
        if (missing is null)
        {
            Step = Math.Clamp(step, 0, StepNames.Length - 1);
        }

        return missing;
    }

    /// <summary>What is missing before leaving the current step; null when it is complete.</summary>
    public FormProblem? Check() => Step switch
    {
        0 when ExperimentId is null => new("Training.ChooseExperiment"),
        1 when Kind == TrainingKind.BuiltIn && VersionId is null => new("Training.ChooseVersion"),
        2 when Kind == TrainingKind.BuiltIn && LabelProblem is { } label => FormProblem.Of(label),
        2 when Kind == TrainingKind.BuiltIn && Features.Count == 0 => new("Training.ChooseLabelFeatures"),
        2 when Kind == TrainingKind.BuiltIn && BuiltInSpecRules.CheckFeatures(Label, Features, Columns) is { } features => FormProblem.Of(features),
        2 when Kind == TrainingKind.Custom && string.IsNullOrWhiteSpace(Command) => new("Training.EnterCommand"),
        _ => null,
    };

    /// <summary>A dataset was chosen: its versions are shown, none chosen yet.</summary>
    public void SetDataset(Guid? id, IReadOnlyList<DatasetVersion> versions)
    {
        DatasetId = id;
        VersionId = null;
        Columns = [];
        Profile = null;
        Versions = versions;
    }

    /// <summary>
    /// A version was chosen (with its profile when it has one): its columns are offered, the last one as label and the
    /// others as features, except id-like ones (unique per row), which stay selectable.
    /// </summary>
    public void SetVersion(Guid? id, DatasetProfile? profile = null)
    {
        VersionId = id;
        Profile = profile?.VersionId == id ? profile : null;
        Columns = Versions.FirstOrDefault(v => v.Id == id)?.Columns ?? [];
        Label = Columns.LastOrDefault(c => !IsIdLike(c))?.Name ?? Columns.LastOrDefault()?.Name;
        Features = Columns.Where(c => c.Name != Label && !IsIdLike(c)).Select(c => c.Name).ToList();
    }

    /// <summary>The version's profile arrived (a clone, or a version chosen before it was profiled).</summary>
    public void UseProfile(DatasetProfile? profile) => Profile = profile is not null && profile.VersionId == VersionId ? profile : null;

    /// <summary>Another label was chosen: it is no longer a feature.</summary>
    public void SetLabel(string? label)
    {
        Label = label;
        Features.Remove(label ?? string.Empty);
    }

    /// <summary>Another trainer takes other hyperparameters: the ones entered are cleared.</summary>
    public void SetTrainer(TrainerAlgorithm trainer)
    {
        Trainer = trainer;
        Hyperparameters.Clear();
    }

    /// <summary>Fills the wizard in from a run's request (clone and edit), with the versions of its dataset when it has one.</summary>
    public void Apply(TrainingRequest request, IReadOnlyList<DatasetVersion>? versions)
    {
        (ExperimentId, Name, Kind, DatasetId, VersionId, Backend, Priority) = (request.ExperimentId, request.Name, request.Kind, request.DatasetId, request.DatasetVersionId, request.Backend, request.Priority);
        if (request.BuiltIn is { } b)
        {
            (Task, Trainer, Label, Features, Folds, TestFraction, Seed) = (b.Task, b.Trainer, b.Label, b.Features.ToList(), b.Folds, b.TestFraction, b.Seed);
            foreach (var (key, value) in b.Hyperparameters ?? new Dictionary<string, double>())
            {
                Hyperparameters[key] = value;
            }
        }

        if (request.Custom is { } c)
        {
            (Command, CodeKey, GitUrl, GitRef, Timeout) = (c.Command, c.CodeKey, c.GitUrl, c.GitRef, c.TimeoutMinutes);
            (Image, Cpu, MemoryMb, Gpus, Workers) = (c.Image, c.Cpu, c.MemoryMb, c.Gpus, c.Workers);
            CodeSource = c.CodeKey is not null ? "zip" : c.GitUrl is not null ? "git" : "none";
            CodeName = c.CodeKey;
            Environment = c.Environment is null ? null : string.Join('\n', c.Environment.Select(e => $"{e.Key}={e.Value}"));
        }

        if (versions is not null)
        {
            Versions = versions;
            Columns = Versions.FirstOrDefault(v => v.Id == VersionId)?.Columns ?? [];
        }
    }

    /// <summary>The request the wizard's choices make.</summary>
    public TrainingRequest ToRequest()
    {
        var environment = (Environment ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty);
        return new TrainingRequest(
            ExperimentId!.Value,
            Name,
            Kind,
            Kind == TrainingKind.BuiltIn ? new BuiltInSpec(Task, Trainer, Label!, Features, Hyperparameters.Any(h => h.Value is not null) ? Hyperparameters.Where(h => h.Value is not null).ToDictionary(h => h.Key, h => h.Value!.Value) : null, TestFraction, Folds, Seed) : null,
            Kind == TrainingKind.Custom ? CustomSpecOf(environment) : null,
            VersionId is null ? null : DatasetId,
            VersionId,
            Backend,
            Priority);
    }

    private CustomSpec CustomSpecOf(Dictionary<string, string> environment)
    {
        var remote = Backend != TrainingBackendKind.Local;
        return new CustomSpec(Command!, CodeSource == "zip" ? CodeKey : null, CodeSource == "git" ? GitUrl : null, CodeSource == "git" ? GitRef : null, environment.Count > 0 ? environment : null, Timeout,
            remote && !string.IsNullOrWhiteSpace(Image) ? Image.Trim() : null, remote ? Cpu : 0, remote ? MemoryMb : 0, remote ? Gpus : 0, remote ? Math.Max(1, Workers) : 1);
    }
}

/// <summary>What keeps the wizard on a step: a localization key and its values.</summary>
public sealed record FormProblem(string Key, params object[] Arguments)
{
    /// <summary>A refusal from the Core rules, by its message key (the English message when it has none).</summary>
    public static FormProblem Of(ValidationException error) =>
        error.MessageKey is { } key ? new(key, [.. error.MessageArguments]) : new("Training.Invalid", error.Message);
}
