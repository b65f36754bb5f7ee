using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Checks a training request before anything is queued: priority, backend, dataset version, and the built-in or
/// custom spec (trainer settings against the dataset's columns; command, code source, environment, resources).
/// Returns the spec to store. Rights are checked by the caller.
/// </summary>
public sealed class TrainingRequestValidator(
    RunService runs,
    IDatasetStore datasetStore,
    IBuiltInTrainer trainer,
    IEnumerable<ITrainingBackend> backends,
    IObjectStore objects,
    TrainingSettings settings)
{
    /// <summary>The request's checked spec (JSON), its dataset version (when it has one) and the experiment it logs into.</summary>
    internal async Task<(string Spec, DatasetVersion? Version, Tracking.Experiment Experiment)> CheckAsync(TrainingRequest request, CancellationToken ct)
    {
        var experiment = await runs.FindExperimentForWorkAsync(request.ExperimentId, ct);
        if (request.Priority is < 0 or > TrainingService.MaxPriority)
        {
            throw TrainingErrors.Invalid("priority", TrainingErrors.Priority, $"The priority is 0 to {TrainingService.MaxPriority}.", TrainingService.MaxPriority);
        }

        if (!Enum.IsDefined(request.Backend))
        {
            throw TrainingErrors.Invalid("backend", TrainingErrors.UnknownBackend, "Unknown backend.");
        }

        if (request.Kind == TrainingKind.BuiltIn && request.Backend != TrainingBackendKind.Local)
        {
            throw TrainingErrors.Invalid("backend", TrainingErrors.BuiltInNeedsLocal, "Built-in trainers run on the Local backend.");
        }

        if (backends.All(b => b.Kind != request.Backend))
        {
            throw TrainingErrors.Invalid("backend", TrainingErrors.BackendNotConfigured, $"The {request.Backend} backend is not configured here (see Training:Kubernetes in the operations guide).", request.Backend);
        }

        DatasetVersion? version = null;
        if (request.DatasetId is { } datasetId && request.DatasetVersionId is { } versionId)
        {
            version = await datasetStore.FindVersionAsync(datasetId, versionId, ct) ?? throw new NotFoundException("Dataset version", versionId);
        }
        else if (request.DatasetId is not null || request.DatasetVersionId is not null)
        {
            throw TrainingErrors.Invalid("datasetVersionId", TrainingErrors.DatasetAndVersion, "Give both the dataset and its version.");
        }

        string spec;
        switch (request.Kind)
        {
            case TrainingKind.BuiltIn:
                var builtIn = request.BuiltIn ?? throw TrainingErrors.Invalid("builtIn", TrainingErrors.BuiltInNeedsSettings, "A built-in training needs its settings (task, trainer, label, features).");
                if (version is null)
                {
                    throw TrainingErrors.Invalid("datasetVersionId", TrainingErrors.BuiltInNeedsVersion, "A built-in training needs a dataset version.");
                }

                if (builtIn.TestFraction is <= 0 or >= 0.9 && builtIn.Folds == 0)
                {
                    throw TrainingErrors.Invalid("testFraction", TrainingErrors.TestFraction, "The holdout fraction is between 0 and 0.9.");
                }

                if (builtIn.Folds is 1 or < 0 or > 20)
                {
                    throw TrainingErrors.Invalid("folds", TrainingErrors.Folds, "Use 0 for a holdout split, or 2 to 20 folds.");
                }

                trainer.Validate(builtIn, version.Columns);
                // The profile (when the profiling job has finished) tells a label with one class from a usable one.
                if (builtIn.Task != TrainingTask.Regression && await datasetStore.FindProfileAsync(version.Id, ct) is { } profile
                    && BuiltInSpecRules.CheckLabel(builtIn.Task, builtIn.Label, version.Columns, profile.Columns.FirstOrDefault(c => c.Name == builtIn.Label)) is { } labelProblem)
                {
                    throw labelProblem;
                }

                spec = JsonSerializer.Serialize(builtIn, TrainingService.Json);
                break;
            case TrainingKind.Custom:
                var custom = request.Custom ?? throw TrainingErrors.Invalid("custom", TrainingErrors.CustomNeedsCommand, "A custom training needs a command.");
                if (string.IsNullOrWhiteSpace(custom.Command) || custom.Command.Length > 4000)
                {
                    throw TrainingErrors.Invalid("command", TrainingErrors.CommandLength, "The command has 1 to 4000 characters.", 4000);
                }

                if (custom.CodeKey is { } key && (!key.StartsWith("training-code/", StringComparison.Ordinal) || !ObjectKey.TryParse(key, out _) || await objects.StatAsync(ObjectKey.Parse(key), ct) is null))
                {
                    throw TrainingErrors.Invalid("codeKey", TrainingErrors.CodeKey, "Upload the code first; the key is not one of the platform's code uploads.");
                }

                if (custom.GitUrl is { } git)
                {
                    GitUrlPolicy.Check(git, settings);
                }

                if (custom.GitRef is { } gitRef)
                {
                    GitUrlPolicy.CheckRef(gitRef);
                }

                if (custom.CodeKey is not null && custom.GitUrl is not null)
                {
                    throw TrainingErrors.Invalid("codeKey", TrainingErrors.CodeUploadOrGit, "Take the code from an upload or from Git, not both.");
                }

                if (custom.Environment?.Keys.FirstOrDefault(k => !IsEnvName(k) || k.StartsWith("MLFLOW_", StringComparison.Ordinal) || (k.StartsWith("AIP_", StringComparison.Ordinal) && !k.StartsWith("AIP_PARAM_", StringComparison.Ordinal))) is { } bad)
                {
                    throw TrainingErrors.Invalid("environment", TrainingErrors.EnvironmentName, $"'{bad}' is not a variable you may set (names are letters, digits and _; MLFLOW_* and AIP_* are set by the platform).", bad);
                }

                if (custom.Environment?.Keys.FirstOrDefault(IsLoaderVariable) is { } loader)
                {
                    throw TrainingErrors.Invalid("environment", TrainingErrors.EnvironmentLoader, $"'{loader}' is not a variable you may set: it changes how programs load (LD_*, GCONV_PATH, GLIBC_TUNABLES, MALLOC_*, LOCPATH, NLSPATH, HOSTALIASES, RES_OPTIONS, BASH_ENV, ENV).", loader);
                }

                if (custom.Environment?.FirstOrDefault(e => e.Value is null || e.Value.Contains('\0', StringComparison.Ordinal) || e.Value.Length > 32_768) is { Key: { } badValue })
                {
                    throw TrainingErrors.Invalid("environment", TrainingErrors.EnvironmentValue, $"The value of '{badValue}' has no NUL character and at most 32768 characters.", badValue, 32_768);
                }

                if (custom.Workers is < 1 or > 64 || custom.Gpus is < 0 or > 16 || custom.Cpu is < 0 or > 256 || custom.MemoryMb is < 0 or > 4_194_304)
                {
                    throw TrainingErrors.Invalid("custom", TrainingErrors.Resources, "Workers are 1 to 64, GPUs 0 to 16 per worker, CPU 0 to 256 cores, memory up to 4 TiB.");
                }

                if ((custom.Workers > 1 || custom.Gpus > 0 || custom.Image is not null) && request.Backend == TrainingBackendKind.Local)
                {
                    throw TrainingErrors.Invalid("backend", TrainingErrors.RemoteNeedsKubernetes, "Images, GPUs and several workers need the Kubernetes backend.");
                }

                if (custom.Image is { } image && (image.Length > 300 || image.Any(char.IsWhiteSpace)))
                {
                    throw TrainingErrors.Invalid("image", TrainingErrors.Image, "An image reference has no spaces and at most 300 characters.", 300);
                }

                if (await backends.First(b => b.Kind == request.Backend).CheckCustomCodeAsync(ct) is { } refusal)
                {
                    throw new SandboxUnavailableException(refusal) { MessageKey = "Error.SandboxUnavailable" };
                }

                spec = JsonSerializer.Serialize(custom, TrainingService.Json);
                break;
            default:
                throw TrainingErrors.Invalid("kind", TrainingErrors.UnknownKind, "The kind is BuiltIn or Custom.");
        }

        return (spec, version, experiment);
    }

    /// <summary>Variables the dynamic loader, the C library or a shell act on at start-up; a run may not set them.</summary>
    internal static bool IsLoaderVariable(string name) =>
        name.StartsWith("LD_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("MALLOC_", StringComparison.OrdinalIgnoreCase)
        || name.ToUpperInvariant() is "GCONV_PATH" or "GLIBC_TUNABLES" or "LOCPATH" or "NLSPATH" or "HOSTALIASES" or "RES_OPTIONS" or "BASH_ENV" or "ENV" or "LOCALDOMAIN" or "TZDIR";

    private static bool IsEnvName(string name) => name.Length is > 0 and <= 100 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
