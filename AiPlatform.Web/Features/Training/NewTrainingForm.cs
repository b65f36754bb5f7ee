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

    /// <summary>
    /// Moves to <paramref name="step"/>; going forward, the current step must be complete. Returns the localization key of
    /// what is missing, or null when it moved.
    /// </summary>
    public string? GoTo(int step)
    {
        var missing = step > Step ? Check() : null;
        if (missing is null)
        {
            Step = Math.Clamp(step, 0, StepNames.Length - 1);
        }

        return missing;
    }

    /// <summary>The localization key of what is missing before leaving the current step; null when it is complete.</summary>
    public string? Check() => Step switch
    {
        0 when ExperimentId is null => "Training.ChooseExperiment",
        1 when Kind == TrainingKind.BuiltIn && VersionId is null => "Training.ChooseVersion",
        2 when Kind == TrainingKind.BuiltIn && (string.IsNullOrEmpty(Label) || Features.Count == 0) => "Training.ChooseLabelFeatures",
        2 when Kind == TrainingKind.Custom && string.IsNullOrWhiteSpace(Command) => "Training.EnterCommand",
        _ => null,
    };

    /// <summary>A dataset was chosen: its versions are shown, none chosen yet.</summary>
    public void SetDataset(Guid? id, IReadOnlyList<DatasetVersion> versions)
    {
        DatasetId = id;
        VersionId = null;
        Columns = [];
        Versions = versions;
    }

    /// <summary>A version was chosen: its columns are offered, the last one as label and the others as features.</summary>
    public void SetVersion(Guid? id)
    {
        VersionId = id;
        Columns = Versions.FirstOrDefault(v => v.Id == id)?.Columns ?? [];
        Label = Columns.LastOrDefault()?.Name;
        Features = Columns.Where(c => c.Name != Label).Select(c => c.Name).ToList();
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
