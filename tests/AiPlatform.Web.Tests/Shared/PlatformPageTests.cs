using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Tests.Shared;

public sealed class PlatformPageTests : PageTestBase
{
    [Fact]
    public async Task RunAsync_shows_the_localized_error_of_a_platform_exception_and_returns_false()
    {
        var page = Render<ProbePage>();
        var error = new NotFoundException("Dataset", Guid.NewGuid());

        var succeeded = await page.InvokeAsync(() => page.Instance.Run(_ => throw error, success: "saved"));

        succeeded.ShouldBeFalse();
        var shown = Services.GetRequiredService<ISnackbar>().ShownSnackbars.ShouldHaveSingleItem();
        shown.Severity.ShouldBe(Severity.Error);
        shown.Message.ShouldBe(Services.GetRequiredService<IStringLocalizer<SharedResource>>().Describe(error));
    }

    [Fact]
    public async Task RunAsync_shows_the_success_message_and_returns_true()
    {
        var page = Render<ProbePage>();
        var ran = false;

        var succeeded = await page.InvokeAsync(() => page.Instance.Run(_ => { ran = true; return Task.CompletedTask; }, success: "saved"));

        succeeded.ShouldBeTrue();
        ran.ShouldBeTrue();
        var shown = Services.GetRequiredService<ISnackbar>().ShownSnackbars.ShouldHaveSingleItem();
        shown.Severity.ShouldBe(Severity.Success);
        shown.Message.ShouldBe("saved");
    }

    [Fact]
    public async Task PageToken_is_cancelled_when_the_page_is_disposed_and_a_cancelled_action_is_then_swallowed()
    {
        var page = Render<ProbePage>();
        var probe = page.Instance;
        var token = probe.Token;
        token.IsCancellationRequested.ShouldBeFalse();

        await DisposeComponentsAsync();

        token.IsCancellationRequested.ShouldBeTrue();
        var succeeded = await probe.Run(ct => Task.FromCanceled(ct), success: "saved");
        succeeded.ShouldBeFalse();
        Services.GetRequiredService<ISnackbar>().ShownSnackbars.ShouldBeEmpty();
    }

    /// <summary>The smallest page: exposes the base's helper and token to the test.</summary>
    private sealed class ProbePage : PlatformPage
    {
        public CancellationToken Token => PageToken;

        public Task<bool> Run(Func<CancellationToken, Task> action, string? success) => RunAsync(action, success);
    }
}
