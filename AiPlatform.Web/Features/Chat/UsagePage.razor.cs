using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Features.Chat;

/// <summary>Tokens used per day, model and user (everyone's for administrators), and the caller's daily quota.</summary>
public partial class UsagePage : PlatformPage
{
    private Layout _layout = new();
    private readonly Dictionary<Guid, string> _names = [];
    private IReadOnlyList<LlmUsage> _rows = [];
    private IList<ITrace> _chart = [];
    private (long? Limit, long Used, DateTimeOffset ResetsAt)? _quota;
    private int _days = 30;
    private bool _everyone;
    private bool _loaded;
    private bool _isAdmin;

    [Inject]
    private ChatUsageService Usage { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private IUserDirectory Users { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _isAdmin = await Access.HasCapabilityAsync(Capabilities.SettingsManage, PageToken);
        _quota = await Usage.RemainingAsync(PageToken);
        await LoadAsync();
    }

    private async Task SetDaysAsync(int days)
    {
        _days = days;
        await LoadAsync();
    }

    private async Task SetEveryoneAsync(bool everyone)
    {
        _everyone = everyone;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _rows = await Usage.ListAsync(_days, _everyone, PageToken);
        foreach (var id in _rows.Select(r => r.UserId).Distinct().Where(id => !_names.ContainsKey(id)))
        {
            _names[id] = (await Users.FindAsync(id, PageToken))?.UserName ?? "?";
        }

        // Tokens per (UTC) day of the period, one stacked bar per model; days without use show as gaps, and the axis
        // has every day, so that one day of data is a bar a day wide and not a sliver on a millisecond scale.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var days = Enumerable.Range(0, _days).Select(i => today.AddDays(i - _days + 1)).ToList();
        _chart = [.. _rows.GroupBy(r => r.Model).Select(g => (ITrace)new Bar
        {
            Name = g.Key,
            X = days.Select(d => (object)d.ToString("yyyy-MM-dd")).ToList(),
            Y = days.Select(d => (object)g.Where(r => r.Day == d).Sum(r => r.PromptTokens + r.CompletionTokens)).ToList(),
        })];
        _layout = ChartTheme.Layout(null, 320, legend: true).WithAxes(ChartTheme.DayXAxis(L["Charts.Day"]), ChartTheme.YAxis(L["Usage.TotalTokens"], fromZero: true));
        _layout.BarMode = Plotly.Blazor.LayoutLib.BarModeEnum.Stack;
        _loaded = true;
    }
}
