using AiPlatform.Core.Access;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Admin;

public partial class RolesPage : PlatformPage
{
    [Inject]
    private RoleService Roles { get; set; } = default!;

    private IReadOnlyList<Role> _roles = [];
    private readonly HashSet<string> _selected = [];
    private IReadOnlySet<string> _delegable = new HashSet<string>();
    private bool _editing;
    private Guid? _editId;
    private string? _name;
    private string? _description;
    private bool _loaded;

    protected override async Task OnInitializedAsync()
    {
        _roles = await Roles.ListAsync(PageToken);
        _delegable = await Roles.ListDelegableCapabilitiesAsync(PageToken);
        _loaded = true;
    }

    private void New()
    {
        _editId = null;
        _name = _description = null;
        _selected.Clear();
        _editing = true;
    }

    private void Edit(Role role)
    {
        _editId = role.Id;
        _name = role.Name;
        _description = role.Description;
        _selected.Clear();
        _selected.UnionWith(role.Capabilities);
        _editing = true;
    }

    private void Toggle(string capability, bool on)
    {
        if (on)
        {
            _selected.Add(capability);
        }
        else
        {
            _selected.Remove(capability);
        }
    }

    private Task SaveAsync() => RunAsync(async ct =>
    {
        if (_editId is { } id)
        {
            await Roles.UpdateAsync(id, _name ?? string.Empty, _description, _selected.ToList(), ct);
        }
        else
        {
            await Roles.CreateAsync(_name ?? string.Empty, _description, _selected.ToList(), ct);
        }

        _editing = false;
        _roles = await Roles.ListAsync(ct);
    }, L["Common.Saved"]);

    private Task DeleteAsync(Role role) => RunAsync(async ct =>
    {
        await Roles.DeleteAsync(role.Id, ct);
        _roles = await Roles.ListAsync(ct);
    });
}
