using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Training;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Tests.Localization;

/// <summary>A refused Git URL reads wholly in the user's language in the training wizard, naming what is allowed.</summary>
public sealed class GitUrlRefusalLocalizationTests : IAsyncLifetime
{
    private readonly PlatformWebFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Theory]
    [InlineData("ssh://git@example.com/team/repo.git", "不允许 ssh:// 传输方式。此处允许：https://。")]
    [InlineData("git@example.com:team/repo.git", "不允许 scp 形式")]
    [InlineData("http://example.com/team/repo.git", "不允许明文 http:// Git 地址")]
    [InlineData("file:///srv/repo.git", "不允许 file:// 地址和本地路径")]
    [InlineData("ext::sh -c id", "Git 地址最长 2000 个字符")]
    public void A_chinese_user_reads_why_a_git_url_is_refused_in_chinese(string url, string expected)
    {
        var refusal = Should.Throw<ValidationException>(() => GitUrlPolicy.Check(url, new TrainingSettings()));
        refusal.Code.ShouldBe(GitUrlPolicy.RefusedCode);

        var text = Describe(refusal, "zh-CN");

        text.ShouldStartWith("不允许的 Git 地址：");
        text.ShouldContain(expected);
        text.ShouldNotContain("not allowed");
        Describe(refusal, "en").ShouldContain("Allowed here: https://.");
    }

    private string Describe(PlatformException error, string culture)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            using var scope = _factory.Services.CreateScope();
            return scope.ServiceProvider.GetRequiredService<IStringLocalizer<SharedResource>>().Describe(error);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
