namespace AiPlatform.Web.Components.Layout;

/// <summary>The platforms the navigation is grouped by (数据中台, 算法中台, 模型中台, 大模型, 系统管理).</summary>
public enum NavSection
{
    None,
    Data,
    Algorithms,
    Models,
    Llm,
    Admin,
}

/// <summary>Which group of the navigation holds a page, by the page's path.</summary>
public static class NavSections
{
    private static readonly (string Prefix, NavSection Section)[] Prefixes =
    [
        ("datasets", NavSection.Data),
        ("data-sources", NavSection.Data),
        ("sql", NavSection.Data),
        ("projects", NavSection.Algorithms),
        ("experiments", NavSection.Algorithms),
        ("runs", NavSection.Algorithms),
        ("training", NavSection.Algorithms),
        ("studies", NavSection.Algorithms),
        ("models", NavSection.Models),
        ("endpoints", NavSection.Models),
        ("chat", NavSection.Llm),
        ("knowledge", NavSection.Llm),
        ("usage", NavSection.Llm),
        ("admin", NavSection.Admin),
    ];

    /// <summary>The section of a base-relative path such as <c>datasets/…?x=1</c>; <see cref="NavSection.None"/> for the dashboard, jobs and others.</summary>
    public static NavSection Of(string relativePath)
    {
        var path = relativePath.Split('?', '#')[0].Trim('/');
        var first = path.Split('/')[0];
        foreach (var (prefix, section) in Prefixes)
        {
            if (string.Equals(first, prefix, StringComparison.OrdinalIgnoreCase))
            {
                return section;
            }
        }

        return NavSection.None;
    }
}
