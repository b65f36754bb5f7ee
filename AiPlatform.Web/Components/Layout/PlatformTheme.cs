using MudBlazor;

namespace AiPlatform.Web.Components.Layout;

/// <summary>The MudBlazor theme: self-hosted Inter for Latin text, the system's CJK font for Chinese.</summary>
public static class PlatformTheme
{
    private static readonly string[] FontFamily =
        ["Inter", "system-ui", "-apple-system", "Segoe UI", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight { Primary = "#3949ab", Secondary = "#00897b", AppbarBackground = "#283593" },
        PaletteDark = new PaletteDark { Primary = "#7986cb", Secondary = "#4db6ac" },
        Typography = new Typography { Default = new DefaultTypography { FontFamily = FontFamily } },
    };
}
