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

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

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

    /// <summary>
    /// Runs the console query (the Run button). The engine runs it off the circuit's thread, so the page stays live: the
    /// Run button shows progress and Cancel interrupts the query in DuckDB (so does leaving the page).
    /// </summary>
    private async Task ExecuteAsync()
    {
        _running = true;
        _error = null;
        _cancel?.Dispose();
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(PageToken);
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
            _result = null;
            _error = L["Sql.Cancelled"];
        }
        finally
        {
            _running = false;
        }
    }

    /// <summary>The Cancel button: cancels the running query (DuckDB interrupts it).</summary>
    private void Cancel() => _cancel?.Cancel();

    protected override void Dispose(bool disposing)
    {
        _cancel?.Cancel();
        _cancel?.Dispose();
        _cancel = null;
    }

    private Task SaveAsync() => RunAsync(async ct =>
    {
        var target = _target!.Value;
        var saved = await Queries.SaveQueryResultAsync(target, _sql ?? string.Empty, _message, ct);
        // The snackbar opens the dataset with the new version selected and highlighted.
        Snackbar.Add(saved.Created ? L["Datasets.VersionCreated", saved.Version.Number] : L["Datasets.SameContent", saved.Version.Number], Severity.Success, options =>
        {
            options.Action = L["Sql.OpenVersion"];
            options.OnClick = _ =>
            {
                Navigation.NavigateTo($"/datasets/{target}?version={saved.Version.Id}");
                return Task.CompletedTask;
            };
        });
    });
}
