using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Components.Shared;

/// <summary>
/// Base for pages that refresh themselves while open: once the circuit is interactive, <see cref="RefreshAsync"/>
/// runs every <see cref="Interval"/> until the page is left. Works the same when jobs run on other nodes.
/// </summary>
public abstract class LivePage : PlatformPage
{
    protected virtual TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected abstract Task RefreshAsync(CancellationToken ct);

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            _ = PollAsync();
        }
    }

    private async Task PollAsync()
    {
        var stop = PageToken;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await InvokeAsync(async () =>
                {
                    await RefreshAsync(stop);
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
