using System.Globalization;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Tests.Shared;

public sealed class SharedFormattingTests : PageTestBase
{
    [Theory]
    [InlineData("en-US")]
    [InlineData("zh-CN")]
    public void Dates_are_written_one_way_in_every_language(string culture)
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            var at = new DateTimeOffset(2026, 12, 6, 18, 40, 5, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2026, 12, 6, 18, 40, 5)));

            Dates.Format(at).ShouldBe("2026-12-06 18:40");
            Dates.Precise(at).ShouldBe("2026-12-06 18:40:05");
            Dates.Day(at).ShouldBe("2026-12-06");
            Dates.Time(at).ShouldBe("18:40:05");
            Dates.Format((DateTimeOffset?)null).ShouldBe("—");
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void EnumName_reads_the_enum_resource_and_falls_back_to_the_value_name()
    {
        var localizer = Services.GetRequiredService<IStringLocalizer<SharedResource>>();

        using (InCulture("zh-CN"))
        {
            localizer.EnumName(AiPlatform.Core.Training.TrainingBackendKind.Local).ShouldBe("本地");
        }

        // JobStatus has no Enum.JobStatus.* resources (it uses JobStatus.*): the value's own name comes back.
        localizer.EnumName(JobStatus.Running).ShouldBe("Running");
    }

    [Fact]
    public void EmptyState_shows_its_title_text_and_actions()
    {
        var cut = Render<EmptyState>(p => p
            .Add(x => x.Title, "No datasets yet")
            .Add(x => x.Text, "Upload a CSV to start.")
            .Add(x => x.TestId, "datasets-empty")
            .Add(x => x.ChildContent, (Microsoft.AspNetCore.Components.RenderFragment)(b => b.AddMarkupContent(0, "<button id=\"go\">Upload</button>"))));

        var root = cut.Find("[data-testid=datasets-empty]");
        root.TextContent.ShouldContain("No datasets yet");
        root.TextContent.ShouldContain("Upload a CSV to start.");
        root.QuerySelector("#go").ShouldNotBeNull();
    }
}
