using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Tracking;

/// <summary>The MLflow 3 logged models a run produced, with their latest metrics and the registry versions made from them.</summary>
public partial class RunLoggedModels : PlatformPage
{
    private IReadOnlyList<Row> _models = [];

    [Parameter]
    public Guid RunId { get; set; }

    [Inject]
    private LoggedModelService LoggedModels { get; set; } = default!;

    [Inject]
    private RegistryService Registry { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        var rows = new List<Row>();
        var registered = new Dictionary<string, Guid?>(StringComparer.Ordinal);
        foreach (var model in await LoggedModels.ListForRunAsync(RunId, PageToken))
        {
            var versions = new List<VersionLink>();
            foreach (var (name, version) in model.Registrations)
            {
                if (!registered.TryGetValue(name, out var id))
                {
                    try
                    {
                        id = (await Registry.GetModelByNameAsync(name, PageToken)).Model.Id;
                    }
                    catch (NotFoundException)
                    {
                        // A registered model the caller may not read (or since deleted) is named without a link.
                        id = null;
                    }

                    registered[name] = id;
                }

                versions.Add(new VersionLink(name, version, id));
            }

            rows.Add(new Row(model, versions));
        }

        _models = rows;
    }

    /// <summary>The latest value of each metric (per dataset), as MLflow shows a logged model's metrics.</summary>
    private static IEnumerable<LoggedModelMetric> LatestMetrics(LoggedModelDetails model) =>
        model.Metrics.GroupBy(m => (m.Key, m.DatasetName, m.DatasetDigest))
            .Select(g => g.OrderByDescending(m => m.Step).ThenByDescending(m => m.Timestamp).ThenByDescending(m => m.Id).First())
            .OrderBy(m => m.Key, StringComparer.Ordinal).ThenBy(m => m.DatasetName, StringComparer.Ordinal);

    private static Color StatusColor(LoggedModelStatus status) => status switch
    {
        LoggedModelStatus.Ready => Color.Success,
        LoggedModelStatus.UploadFailed => Color.Error,
        _ => Color.Default,
    };

    private sealed record Row(LoggedModelDetails Model, IReadOnlyList<VersionLink> Versions);

    private sealed record VersionLink(string Name, int Version, Guid? ModelId);
}
