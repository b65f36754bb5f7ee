using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace AiPlatform.Web.Features.Training;

/// <summary>The new-training wizard: the page loads the lists and calls the services; <see cref="NewTrainingForm"/> holds the state.</summary>
public partial class NewTrainingPage : PlatformPage
{
    private readonly NewTrainingForm _form = new();
    private string? _error;

    /// <summary>A training run to copy the settings from (clone and edit).</summary>
    [SupplyParameterFromQuery(Name = "clone")]
    public Guid? CloneOf { get; set; }

    [SupplyParameterFromQuery(Name = "experiment")]
    public Guid? ExperimentOf { get; set; }

    [Inject]
    private TrainingService Training { get; set; } = default!;

    [Inject]
    private TrainingSubmitService Submissions { get; set; } = default!;

    [Inject]
    private TrainingFileService Files { get; set; } = default!;

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private DatasetAnalysisService Analysis { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _form.Experiments = (await Experiments.ListExperimentsAsync(new ExperimentQuery(null, null, [], [], ViewType.ActiveOnly, 0, 500), PageToken)).Items;
        _form.Datasets = (await Datasets.ListAsync(null, null, new PageRequest(0, PageRequest.DefaultMaxPageSize), PageToken)).Items;
        _form.ExperimentId = ExperimentOf ?? _form.Experiments.FirstOrDefault()?.Experiment.Id;
        _form.BackendKinds = (await Training.GetBackendsAsync(PageToken)).Select(b => b.Kind).ToList();
        _form.CustomAllowed = await Submissions.CanRunCustomCodeAsync(PageToken);
        if (CloneOf is { } clone)
        {
            try
            {
                // Everything is loaded before any of it shows, so the form never shows a clone without its dataset's columns.
                var request = await Training.CloneRequestAsync(clone, PageToken);
                var versions = request.DatasetId is { } d ? await Datasets.ListVersionsAsync(d, PageToken) : null;
                _form.Apply(request, versions);
                _form.UseProfile(await ProfileOfAsync(request.DatasetId, request.DatasetVersionId));
            }
            catch (PlatformException ex)
            {
                _error = L.Describe(ex);
            }
        }
    }

    private void GoTo(int step) => _error = _form.GoTo(step) is { } missing ? Say(missing) : null;

    private string Say(FormProblem problem) => L[problem.Key, problem.Arguments].Value;

    private async Task OnDatasetAsync(Guid? id)
    {
        _form.SetDataset(id, id is { } d ? await Datasets.ListVersionsAsync(d, PageToken) : []);
        if (_form.Versions.Count > 0)
        {
            await OnVersionAsync(_form.Versions.MaxBy(v => v.Number)!.Id);
        }
    }

    private async Task OnVersionAsync(Guid? id) => _form.SetVersion(id, await ProfileOfAsync(_form.DatasetId, id));

    /// <summary>The version's profile, null while the profiling job runs or when it cannot be read (the checks then use the column types alone).</summary>
    private async Task<DatasetProfile?> ProfileOfAsync(Guid? datasetId, Guid? versionId)
    {
        if (datasetId is not { } d || versionId is not { } v)
        {
            return null;
        }

        try
        {
            return await Analysis.GetProfileAsync(d, v, PageToken);
        }
        catch (PlatformException)
        {
            return null;
        }
    }

    private async Task UploadCodeAsync(IBrowserFile file)
    {
        try
        {
            await using var stream = file.OpenReadStream(TrainingFileService.MaxCodeBytes);
            _form.CodeKey = await Files.UploadCodeAsync(stream, file.Size, PageToken);
            _form.CodeName = file.Name;
        }
        catch (PlatformException ex)
        {
            _error = L.Describe(ex);
        }
    }

    private async Task SubmitAsync()
    {
        _error = _form.Check() is { } missing ? Say(missing) : null;
        if (_error is not null)
        {
            return;
        }

        try
        {
            var run = await Submissions.SubmitAsync(_form.ToRequest(), PageToken);
            Navigation.NavigateTo($"/training/{run.Id}");
        }
        catch (PlatformException ex)
        {
            _error = L.Describe(ex);
        }
    }
}
