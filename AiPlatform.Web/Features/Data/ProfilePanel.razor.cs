using AiPlatform.Core.Data;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Data;

public partial class ProfilePanel : PlatformPage
{
    [Inject]
    private DatasetAnalysisService Analysis { get; set; } = default!;

    private DatasetProfile? _profile;

    [Parameter, EditorRequired]
    public Guid DatasetId { get; set; }

    [Parameter, EditorRequired]
    public Guid VersionId { get; set; }

    [Parameter]
    public bool CanWrite { get; set; }

    private Task ProfileAgainAsync() => RunAsync(async ct =>
    {
        await Analysis.RequestProfileAsync(DatasetId, VersionId, ct);
        Snackbar.Add(L["Profile.Queued"], Severity.Info);
    });

    protected override async Task OnParametersSetAsync()
    {
        _profile = await Analysis.GetProfileAsync(DatasetId, VersionId, PageToken);
        if (_profile is null && RendererInfo.IsInteractive)
        {
            _ = PollAsync(VersionId);
        }
    }

    private async Task PollAsync(Guid versionId)
    {
        try
        {
            while (_profile is null && versionId == VersionId)
            {
                await Task.Delay(1000, PageToken);
                var profile = await Analysis.GetProfileAsync(DatasetId, versionId, PageToken);
                if (profile is not null && versionId == VersionId)
                {
                    _profile = profile;
                    await InvokeAsync(StateHasChanged);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private readonly BarChartOptions _histogramOptions = ChartTheme.BarOptions();

    private static List<ChartSeries<double>> Series(ColumnProfile column) =>
        [new ChartSeries<double> { Name = column.Name, Data = new ChartData<double>(column.Histogram.Select(b => (double)b.Count).ToList()) }];

    private static string[] Labels(ColumnProfile column) => column.Histogram.Select(b => ChartTheme.Tick(b.From)).ToArray();
}
