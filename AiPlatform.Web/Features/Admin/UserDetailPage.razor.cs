using AiPlatform.Core.Access;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Admin;

public partial class UserDetailPage : PlatformPage
{
    [Inject]
    private UserAdminService Users { get; set; } = default!;

    [Inject]
    private RoleService Roles { get; set; } = default!;

    [Inject]
    private PermissionsService Permissions { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    private EffectivePermissions? _permissions;
    private IReadOnlyList<Role> _roles = [];
    private IReadOnlySet<Guid> _grantable = new HashSet<Guid>();
    private IReadOnlyCollection<Guid> _roleIds = [];
    private string? _newPassword;
    private bool _isSelf;

    [Parameter]
    public Guid Id { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _roles = await Roles.ListAsync(PageToken);
        _grantable = await Roles.ListGrantableIdsAsync(PageToken);
        _isSelf = (await Access.RequireContextAsync(PageToken)).UserId == Id;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _permissions = await Permissions.DescribeAsync(Id, PageToken);
        _roleIds = (await Users.GetRoleIdsAsync(Id, PageToken)).ToList();
    }

    private string RoleName(Guid id) => RoleLabels.Of(L, _roles, id);

    private Task SetDisabledAsync(bool disabled) => SaveAsync(ct => Users.SetDisabledAsync(Id, disabled, ct));

    private Task ResetMfaAsync() => SaveAsync(ct => Users.ResetMfaAsync(Id, ct));

    private Task SaveRolesAsync() => SaveAsync(ct => Users.SetRolesAsync(Id, _roleIds.ToList(), ct));

    private Task ResetPasswordAsync() => SaveAsync(ct => Users.SetPasswordAsync(Id, _newPassword ?? string.Empty, ct));

    /// <summary>Runs an admin action; after it succeeded, says so and reloads the user.</summary>
    private async Task SaveAsync(Func<CancellationToken, Task> action)
    {
        if (await RunAsync(action, L["Common.Saved"]))
        {
            await LoadAsync();
        }
    }
}
