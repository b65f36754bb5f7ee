using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Components.Shared;

/// <summary>
/// Base for pages that refresh themselves while open: once the circuit is interactive, <see cref="RefreshAsync"/>
/// runs every <see cref="Interval"/> until the page is left. Works the same when jobs run on other nodes.
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    protected virtual TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected CancellationToken PageToken => _stop.Token;

    protected abstract Task RefreshAsync(CancellationToken ct);

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            _ = PollAsync();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await RefreshAsync(_stop.Token);
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
