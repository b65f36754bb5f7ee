using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Admin;

public partial class GroupsPage : PlatformPage
{
    [Inject]
    private GroupService Groups { get; set; } = default!;

    [Inject]
    private RoleService Roles { get; set; } = default!;

    [Inject]
    private UserDirectoryLookup Users { get; set; } = default!;

    private string RoleName(Guid id) => RoleLabels.Of(L, _roles, id);

    private IReadOnlyList<Group> _groups = [];
    private IReadOnlyList<Role> _roles = [];
    private IReadOnlySet<Guid> _grantable = new HashSet<Guid>();
    private IReadOnlyList<UserSummary> _members = [];
    private IReadOnlyList<GrantSource> _grants = [];
    private MudBlazor.MudTextField<string>? _nameField;
    private bool _loaded;
    private IReadOnlyCollection<Guid> _roleIds = [];
    private Group? _selected;
    private string? _newName;
    private string? _memberName;

    protected override async Task OnInitializedAsync()
    {
        _groups = await Groups.ListAsync(PageToken);
        _roles = await Roles.ListAsync(PageToken);
        _grantable = await Roles.ListGrantableIdsAsync(PageToken);
        _loaded = true;
    }

    private async Task FocusNameAsync() => await (_nameField?.FocusAsync() ?? ValueTask.CompletedTask);

    private async Task SelectAsync(Group? group)
    {
        _selected = group;
        if (group is not null)
        {
            _members = await Groups.ListMembersAsync(group.Id, PageToken);
            _roleIds = (await Groups.GetRoleIdsAsync(group.Id, PageToken)).ToList();
            _grants = await Groups.ListGrantsAsync(group.Id, PageToken);
        }
    }

    private Task CreateAsync() => RunAsync(async ct =>
    {
        var group = await Groups.CreateAsync(_newName ?? string.Empty, null, ct);
        _newName = null;
        _groups = await Groups.ListAsync(ct);
        await SelectAsync(_groups.First(g => g.Id == group.Id));
    });

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Groups.DeleteAsync(_selected!.Id, ct);
        _selected = null;
        _groups = await Groups.ListAsync(ct);
    });

    private Task SaveRolesAsync() => RunAsync(ct => Groups.SetRolesAsync(_selected!.Id, _roleIds.ToList(), ct));

    private Task AddMemberAsync() => RunAsync(async ct =>
    {
        var id = await Users.FindIdAsync(_memberName ?? string.Empty, ct) ?? throw new ValidationException("userName", L["Share.UnknownUser", _memberName ?? string.Empty]);
        await Groups.AddMemberAsync(_selected!.Id, id, ct);
        _memberName = null;
        _members = await Groups.ListMembersAsync(_selected.Id, ct);
    });

    private Task RemoveMemberAsync(Guid userId) => RunAsync(async ct =>
    {
        await Groups.RemoveMemberAsync(_selected!.Id, userId, ct);
        _members = await Groups.ListMembersAsync(_selected.Id, ct);
    });

}
