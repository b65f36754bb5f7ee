using AiPlatform.Core.Data;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Data;

public partial class DiffPanel : PlatformPage
{
    [Inject]
    private DatasetAnalysisService Analysis { get; set; } = default!;

    private Guid _fromId;
    private string? _key;
    private DatasetDiff? _diff;

    [Parameter, EditorRequired]
    public Guid DatasetId { get; set; }

    [Parameter, EditorRequired]
    public DatasetVersion Version { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<DatasetVersion> Versions { get; set; } = [];

    protected override void OnParametersSet()
    {
        _diff = null;
        _fromId = Versions.FirstOrDefault(v => v.Number < Version.Number)?.Id ?? Versions.FirstOrDefault(v => v.Id != Version.Id)?.Id ?? Guid.Empty;
    }

    private Task CompareAsync() => RunAsync(async ct =>
    {
        _diff = await Analysis.DiffAsync(DatasetId, _fromId, Version.Id, _key, ct);
    });
}
