using AiPlatform.Core.Common;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Components.Shared;

/// <summary>
/// Base for every page and panel that calls services: <see cref="PageToken"/> is cancelled when the page is left (pass it
/// to every service call), and <see cref="RunAsync"/> runs a user action, turning a platform error into a readable
/// message in the user's language instead of a broken circuit.
/// </summary>
public abstract class PlatformPage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _lifetime = new();

    [Inject]
    protected ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    protected IStringLocalizer<SharedResource> L { get; set; } = default!;

    /// <summary>Cancelled when the page is disposed (the user navigated away or closed the tab).</summary>
    protected CancellationToken PageToken => _lifetime.Token;

    /// <summary>
    /// Runs <paramref name="action"/> with <see cref="PageToken"/>. A <see cref="PlatformException"/> becomes an error
    /// snackbar; cancellation because the page was left is ignored; <paramref name="success"/>, when given, is shown after
    /// the action succeeded. Returns whether it succeeded, so the caller can reload or navigate.
    /// </summary>
    protected async Task<bool> RunAsync(Func<CancellationToken, Task> action, string? success = null)
    {
        try
        {
            await action(PageToken);
        }
        catch (PlatformException ex)
        {
            Snackbar.Add(L.Describe(ex), Severity.Error);
            return false;
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
            return false;
        }

        if (success is not null)
        {
            Snackbar.Add(success, Severity.Success);
        }

        return true;
    }

    public void Dispose()
    {
        _lifetime.Cancel();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release what the page holds; the base has already cancelled <see cref="PageToken"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
