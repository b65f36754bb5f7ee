using System.Globalization;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Localization;

/// <summary>MudBlazor's own texts (the grid pager under every list) follow the user's language.</summary>
public sealed class MudLocalizationTests : IAsyncLifetime
{
    private readonly PlatformWebFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public void The_grid_pager_reads_in_chinese_for_a_chinese_user()
    {
        using var scope = _factory.Services.CreateScope();
        var interceptor = scope.ServiceProvider.GetRequiredService<ILocalizationInterceptor>();
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo("zh-CN");
        try
        {
            interceptor.Handle("MudDataGridPager_RowsPerPage").Value.ShouldBe("每页行数：");
            interceptor.Handle("MudDataGridPager_InfoFormat", 1, 4, 4).Value.ShouldBe("第 1-4 条，共 4 条");
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }

        CultureInfo.CurrentUICulture = new CultureInfo("en");
        try
        {
            var english = scope.ServiceProvider.GetRequiredService<ILocalizationInterceptor>();
            english.Handle("MudDataGridPager_RowsPerPage").Value.ShouldBe("Rows per page:");
            english.Handle("MudDataGridPager_InfoFormat", 1, 4, 4).Value.ShouldBe("1-4 of 4");
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
    }
}
