using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using MudBlazor;

namespace AiPlatform.Web.Features.Apps;

/// <summary>Validation and the draft's autosave: debounced, with the revision it was loaded at, stale when someone else saved first.</summary>
public partial class AppEditorPage
{
    /// <summary>Called by the graph state after every change: markers, then a debounced save of the draft.</summary>
    private void OnGraphChanged()
    {
        Validate();
        ApplyMarkers(NodeModels);
        if (!CanWrite)
        {
            return;
        }

        _save = SaveState.Pending;
        _autosave?.Cancel();
        _autosave = new CancellationTokenSource();
        var token = _autosave.Token;
        _ = Task.Delay(AutosaveDelay, token).ContinueWith(_ => InvokeAsync(() => SaveAsync()), token, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private async Task SaveAsync()
    {
        if (_state is null || _app is null || _save is SaveState.Stale || !CanWrite)
        {
            return;
        }

        await _saving.WaitAsync(PageToken);
        try
        {
            if (_save is SaveState.Saved)
            {
                return;
            }

            _save = SaveState.Saving;
            StateHasChanged();
            var json = _state.Root.ToJson();
            try
            {
                _revision = (await Apps.SaveDraftAsync(_app.Id, AppGraph.FromJson(json), _revision, PageToken)).Revision;
                _save = _state.Root.ToJson() == json ? SaveState.Saved : SaveState.Pending;
            }
            catch (ConflictException)
            {
                _save = SaveState.Stale;
            }
            catch (PlatformException e)
            {
                _save = SaveState.Failed;
                Snackbar.Add(L.Describe(e), Severity.Error);
            }
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
        }
        finally
        {
            _saving.Release();
        }

        if (_save is SaveState.Pending)
        {
            await SaveAsync();
        }

        StateHasChanged();
    }

    /// <summary>Saves a pending change at once (before a run, which runs the saved draft, and on Ctrl+S).</summary>
    private async Task<bool> SaveNowAsync()
    {
        _autosave?.Cancel();
        if (_save is SaveState.Pending or SaveState.Failed)
        {
            _save = SaveState.Pending;
            await SaveAsync();
        }

        return _save == SaveState.Saved;
    }

    /// <summary>Another editor saved first: load their draft (what was typed here since the last save is dropped, as the message says).</summary>
    private Task ReloadAsync() => RunAsync(async ct =>
    {
        (_app, _level) = await Apps.GetAsync(Id, ct);
        var draft = await Apps.GetDraftAsync(Id, ct);
        _revision = draft.Revision;
        _state!.Reset(draft.Graph);
        _save = SaveState.Saved;
        _selectedId = null;
        Validate();
        Rebuild();
    });

    private void Validate()
    {
        if (_state is not null)
        {
            _problems = AppCatalogView.Validate(_state.Root, _state.Kind, L, Templates.Check);
        }
    }

    private string SaveText => _save switch
    {
        SaveState.Saved => L["Apps.Editor.Saved", _revision],
        SaveState.Pending => L["Apps.Editor.Unsaved"],
        SaveState.Saving => L["Apps.Editor.Saving"],
        SaveState.Stale => L["Apps.Editor.Stale"],
        _ => L["Apps.Editor.SaveFailed"],
    };

    private async Task FlushAsync(AppGraph graph, int revision)
    {
        try
        {
            await Apps.SaveDraftAsync(Id, graph, revision, CancellationToken.None);
        }
        catch (PlatformException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
