using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Components.Shared;

public partial class ShareDialog : PlatformPage
{
    [Inject]
    private SharingService Sharing { get; set; } = default!;

    [Inject]
    private GroupService Groups { get; set; } = default!;

    [Inject]
    private UserDirectoryLookup Users { get; set; } = default!;

    private readonly DialogOptions _options = new() { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseButton = true };
    private IReadOnlyList<GrantView> _grants = [];
    private IReadOnlyList<Group> _groups = [];
    private PrincipalType _principalType = PrincipalType.User;
    private string? _userName;
    private Guid? _groupId;
    private PermissionLevel _level = PermissionLevel.Read;

    [Parameter, EditorRequired]
    public string ObjectType { get; set; } = default!;

    [Parameter, EditorRequired]
    public Guid ObjectId { get; set; }

    [Parameter]
    public string? ObjectName { get; set; }

    [Parameter]
    public bool CanManage { get; set; }

    [Parameter]
    public bool Visible { get; set; }

    [Parameter]
    public EventCallback<bool> VisibleChanged { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        if (Visible)
        {
            await LoadAsync();
        }
    }

    private string GroupName(Guid? id) => _groups.FirstOrDefault(g => g.Id == id)?.Name ?? string.Empty;

    private async Task LoadAsync()
    {
        _grants = await Sharing.ListAsync(ObjectType, ObjectId, PageToken);
        _groups = await Groups.ListAsync(PageToken);
    }

    private Task GrantAsync() => RunAsync(async ct =>
    {
        Guid principalId;
        if (_principalType == PrincipalType.User)
        {
            principalId = await Users.FindIdAsync(_userName ?? string.Empty, ct) ?? throw new ValidationException("userName", L["Share.UnknownUser", _userName ?? string.Empty]);
        }
        else
        {
            principalId = _groupId ?? throw new ValidationException("group", L["Share.PickGroup"]);
        }

        await Sharing.GrantAsync(ObjectType, ObjectId, _principalType, principalId, _level, ct);
        Snackbar.Add(L["Share.Granted"], Severity.Success);
        _userName = null;
        await LoadAsync();
    });

    private Task RevokeAsync(Guid grantId) => RunAsync(async ct =>
    {
        await Sharing.RevokeAsync(ObjectType, ObjectId, grantId, ct);
        Snackbar.Add(L["Share.Revoked"], Severity.Info);
        await LoadAsync();
    });
}
