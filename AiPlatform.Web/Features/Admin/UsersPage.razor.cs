using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Admin;

public partial class UsersPage : PlatformPage
{
    [Inject]
    private UserAdminService Users { get; set; } = default!;

    [Inject]
    private RoleService Roles { get; set; } = default!;

    private string RoleName(Guid id) => RoleLabels.Of(L, _roles, id);

    private MudDataGrid<UserSummary>? _grid;
    private IReadOnlyList<Role> _roles = [];
    private IReadOnlySet<Guid> _grantable = new HashSet<Guid>();
    private string? _search;
    private bool _creating;
    private string? _userName;
    private string? _displayName;
    private string? _email;
    private string? _password;
    private IReadOnlyCollection<Guid> _roleIds = [];

    protected override async Task OnInitializedAsync()
    {
        _roles = await Roles.ListAsync(PageToken);
        _grantable = await Roles.ListGrantableIdsAsync(PageToken);
    }

    private async Task<GridData<UserSummary>> LoadAsync(GridState<UserSummary> state, CancellationToken ct)
    {
        var page = await Users.ListAsync(_search, new PageRequest(state.Page, state.PageSize), ct);
        return new GridData<UserSummary> { Items = page.Items, TotalItems = page.TotalCount };
    }

    private async Task OnSearchAsync(string? search)
    {
        _search = search;
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private Task CreateAsync() => RunAsync(async ct =>
    {
        await Users.CreateAsync(new NewUser(_userName ?? string.Empty, _displayName, _email, _password ?? string.Empty, MustChangePassword: true), _roleIds.ToList(), ct);
        Snackbar.Add(L["Users.Created", _userName ?? string.Empty], Severity.Success);
        _creating = false;
        _userName = _displayName = _email = _password = null;
        _roleIds = [];
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    });
}
