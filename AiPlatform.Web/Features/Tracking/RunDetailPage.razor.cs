using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Tracking;

public partial class RunDetailPage : PlatformPage
{
    private RunDetails? _run;
    private RunDetails? _parent;
    private IReadOnlyList<Run> _children = [];
    private PermissionLevel _level;
    private bool _notFound;
    private bool _renaming;
    private bool _editingNote;
    private string? _newName;
    private string? _note;
    private bool _registering;
    private string? _registerName;
    private string _registerPath = "model";
    private string? _tagKey;
    private string? _tagValue;
    private string? _gitUrl;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private RunService Runs { get; set; } = default!;

    [Inject]
    private RegistryService Registry { get; set; } = default!;

    [Inject]
    private ModelRegistrar Registrar { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            (_run, _level) = await Runs.GetRunWithLevelAsync(Id, PageToken);
            _gitUrl = await Experiments.GetProjectGitUrlAsync(_run.Experiment.ProjectId, PageToken);
            _children = await Runs.ListChildRunsAsync(Id, PageToken);
            _parent = null;
            if (_run.Run.ParentRunId is { } parentId)
            {
                try
                {
                    _parent = await Runs.GetRunAsync(parentId, PageToken);
                }
                catch (NotFoundException)
                {
                    // A parent in an experiment the caller may not read stays hidden.
                }
            }
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private async Task SaveNoteAsync()
    {
        await ChangeAsync(ct => Runs.SetRunNoteAsync(Id, _note, ct));
        _editingNote = false;
    }

    private async Task RenameAsync()
    {
        await ChangeAsync(ct => Runs.UpdateRunAsync(Id, null, null, _newName, ct));
        _renaming = false;
    }

    private static IReadOnlyList<(string, string)> MetricRows(RunDetails run) =>
        run.Metrics.Select(m => (m.Key, m.Step != 0 ? $"{RunFormat.Number(m.RealValue)}  (step {m.Step})" : RunFormat.Number(m.RealValue))).ToList();

    private Task RegisterAsync() => RunAsync(async ct =>
    {
        RegisteredModel model;
        try
        {
            model = (await Registry.GetModelByNameAsync(_registerName, ct)).Model;
        }
        catch (NotFoundException)
        {
            model = await Registry.CreateModelAsync(_registerName, null, null, ct);
        }

        var version = await Registrar.CreateVersionFromRunAsync(model.Id, $"runs:/{_run!.Run.MlflowId}/{_registerPath}", null, null, null, ct);
        Navigation.NavigateTo($"/models/{model.Id}/versions/{version.Version}");
    });

    private async Task AddTagAsync()
    {
        await ChangeAsync(ct => Runs.SetRunTagAsync(Id, _tagKey?.Trim(), _tagValue ?? string.Empty, ct));
        _tagKey = _tagValue = null;
    }

    private Task DeleteTagAsync(string key) => ChangeAsync(ct => Runs.DeleteRunTagAsync(Id, key, ct));

    /// <summary>A link to the commit when the project's Git URL is an https URL of a known forge layout.</summary>
    private string? CommitUrl(string commit)
    {
        if (_gitUrl is not { } git || !git.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || !commit.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        var repo = git.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? git[..^4] : git;
        return $"{repo.TrimEnd('/')}/commit/{commit}";
    }

    private Task SetStageAsync(LifecycleStage stage) => ChangeAsync(ct => Runs.SetRunLifecycleAsync(Id, stage, ct));

    /// <summary>Runs a change, then shows the run as it is now.</summary>
    private async Task ChangeAsync(Func<CancellationToken, Task> change)
    {
        if (await RunAsync(change, L["Common.Saved"]))
        {
            await LoadAsync();
        }
    }
}
