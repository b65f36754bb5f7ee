using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Data;

public partial class LineagePanel : PlatformPage
{
    [Inject]
    private DatasetAnalysisService Analysis { get; set; } = default!;

    [Inject]
    private RunInputService RunInputs { get; set; } = default!;

    private DatasetLineage? _lineage;
    private IReadOnlyList<DatasetRunUse> _runs = [];

    [Parameter, EditorRequired]
    public Guid DatasetId { get; set; }

    [Parameter, EditorRequired]
    public Guid VersionId { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _lineage = await Analysis.GetLineageAsync(DatasetId, VersionId, PageToken);
        _runs = await RunInputs.ListRunsUsingDatasetVersionAsync(VersionId, PageToken);
    }
}
