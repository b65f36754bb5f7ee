using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Data;

public partial class SqlConsolePage : PlatformPage
{
    [Inject]
    private SqlConsoleService Console { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private DatasetQueryService Queries { get; set; } = default!;

    private const int ShownRows = 500;
    private IReadOnlyList<Dataset> _datasets = [];
    private string? _sql;
    private SqlResult? _result;
    private string? _csvHref;
    private string? _error;
    private bool _running;
    private CancellationTokenSource? _cancel;
    private Guid? _target;
    private string? _message;

    protected override async Task OnInitializedAsync() =>
        _datasets = (await Datasets.ListAsync(null, null, new PageRequest(0, PageRequest.DefaultMaxPageSize), PageToken)).Items;

    /// <summary>Runs the console query (the Run button); Stop cancels it.</summary>
    private async Task ExecuteAsync()
    {
        _running = true;
        _error = null;
        _cancel = new CancellationTokenSource();
        try
        {
            _result = await Console.RunAsync(_sql ?? string.Empty, _cancel.Token);
            _csvHref = "data:text/csv;charset=utf-8;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SqlEndpoints.ToCsv(_result)));
        }
        catch (PlatformException ex)
        {
            _result = null;
            _error = L.Describe(ex);
        }
        catch (OperationCanceledException)
        {
            _error = L["Sql.Cancelled"];
        }
        finally
        {
            _running = false;
        }
    }

    private Task SaveAsync() => RunAsync(async ct =>
    {
        var saved = await Queries.SaveQueryResultAsync(_target!.Value, _sql ?? string.Empty, _message, ct);
        Snackbar.Add(saved.Created ? L["Datasets.VersionCreated", saved.Version.Number] : L["Datasets.SameContent", saved.Version.Number], Severity.Success);
    });
}
