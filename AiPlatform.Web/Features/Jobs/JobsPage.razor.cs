using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Features.Jobs;

public partial class JobsPage : LivePage
{
    private MudDataGrid<JobSummary>? _grid;
    private IReadOnlyList<string> _kinds = [];
    private JobStatus? _status;
    private string? _search;

    [Inject]
    private JobService Jobs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IStringLocalizer<SharedResource> Text { get; set; } = default!;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(2);

    protected override async Task OnInitializedAsync() => _kinds = await Jobs.StartableKindsAsync(PageToken);

    protected override Task RefreshAsync(CancellationToken ct) => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private string KindLabel(string kind) => Text.JobKind(kind);

    private async Task<GridData<JobSummary>> LoadAsync(GridState<JobSummary> state, CancellationToken ct)
    {
        var result = await Jobs.ListAsync(new JobQuery(_status, null, _search, new PageRequest(state.Page, state.PageSize)), ct);
        return new GridData<JobSummary> { Items = result.Items.Select(JobSummary.From).ToList(), TotalItems = result.TotalCount };
    }

    private async Task OnStatusChanged(JobStatus? status)
    {
        _status = status;
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private async Task OnSearchChanged(string? search)
    {
        _search = search;
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private async Task StartAsync(string kind)
    {
        try
        {
            var job = await Jobs.StartAsync(new JobRequest(kind), PageToken);
            Snackbar.Add(Text["Jobs.Started", KindLabel(kind)], Severity.Success);
            Navigation.NavigateTo($"/jobs/{job.Id}");
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
    }

    private async Task CancelAsync(Guid id)
    {
        try
        {
            await Jobs.CancelAsync(id, PageToken);
            Snackbar.Add(Text["Jobs.CancelRequested"], Severity.Info);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }

        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }
}
