using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Features.Jobs;

public partial class JobDetailPage : LivePage
{
    private const int MaxLinesShown = 5000;
    private readonly List<JobLogLine> _log = [];
    private JobSummary? _job;
    private bool _notFound;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    private JobService Jobs { get; set; } = default!;

    [Inject]
    private IStringLocalizer<SharedResource> Text { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _log.Clear();
        _job = null;
        await RefreshAsync(PageToken);
    }

    protected override async Task RefreshAsync(CancellationToken ct)
    {
        if (_notFound || (_job is { } current && current.Status.IsTerminal() && _log.Count > 0 && !await HasNewLinesAsync(ct)))
        {
            return;
        }

        try
        {
            _job = JobSummary.From(await Jobs.GetAsync(Id, ct));
            var after = _log.Count > 0 ? _log[^1].Id : 0;
            var lines = await Jobs.GetLogAsync(Id, after, JobService.MaxLogPage, ct);
            _log.AddRange(lines.Select(JobLogLine.From));
            if (_log.Count > MaxLinesShown)
            {
                _log.RemoveRange(0, _log.Count - MaxLinesShown);
            }
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private async Task<bool> HasNewLinesAsync(CancellationToken ct) =>
        (await Jobs.GetLogAsync(Id, _log[^1].Id, 1, ct)).Count > 0;

    private string KindLabel(string kind) => Text.JobKind(kind);

    private async Task CancelAsync()
    {
        try
        {
            _job = JobSummary.From(await Jobs.CancelAsync(Id, PageToken));
            Snackbar.Add(Text["Jobs.CancelRequested"], Severity.Info);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
    }
}
