using AiPlatform.Core.Access;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Me;

public partial class ProfilePage : PlatformPage
{
    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private PermissionsService Permissions { get; set; } = default!;

    [Inject]
    private ApiTokenService Tokens { get; set; } = default!;

    [Inject]
    private IAccountService Account { get; set; } = default!;

    private EffectivePermissions? _me;
    private IReadOnlyList<ApiToken> _tokens = [];
    private MfaSetup? _setup;
    private string? _qrDataUri;
    private string? _code;
    private IReadOnlyList<string> _recoveryCodes = [];
    private string? _tokenName;
    private ApiTokenScope _tokenScope = ApiTokenScope.ReadWrite;
    private int? _tokenDays = 90;
    private string? _newToken;
    private Guid _userId;
    private string? _confirmPassword;
    private string? _confirmCode;
    private MudTextField<string>? _tokenNameField;

    protected override async Task OnInitializedAsync()
    {
        _userId = (await Access.RequireContextAsync(PageToken)).UserId;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _me = await Permissions.DescribeAsync(_userId, PageToken);
        _tokens = await Tokens.ListMineAsync(PageToken);
    }

    private async Task BeginMfaAsync()
    {
        _setup = await Account.BeginMfaSetupAsync(_userId, PageToken);
        using var qr = new QRCoder.QRCodeGenerator();
        using var data = qr.CreateQrCode(_setup.AuthenticatorUri, QRCoder.QRCodeGenerator.ECCLevel.M);
        _qrDataUri = "data:image/png;base64," + Convert.ToBase64String(new QRCoder.PngByteQRCode(data).GetGraphic(5));
    }

    private Task EnableMfaAsync() => RunAsync(async ct =>
    {
        _recoveryCodes = await Account.EnableMfaAsync(_userId, _code ?? string.Empty, ct);
        _setup = null;
        _code = null;
        Snackbar.Add(L["Profile.MfaOn"], Severity.Success);
        await LoadAsync();
    });

    private Task DisableMfaAsync() => RunAsync(async ct =>
    {
        await Account.DisableMfaAsync(_userId, TakeProof(), ct);
        _recoveryCodes = [];
        Snackbar.Add(L["Profile.MfaTurnedOff"], Severity.Info);
        await LoadAsync();
    });

    private Task RegenerateCodesAsync() => RunAsync(async ct =>
    {
        _recoveryCodes = await Account.RegenerateRecoveryCodesAsync(_userId, TakeProof(), ct);
    });

    /// <summary>The typed password or code, cleared from the form once used.</summary>
    private Reauthentication TakeProof()
    {
        var proof = new Reauthentication(_confirmPassword, _confirmCode);
        _confirmPassword = null;
        _confirmCode = null;
        return proof;
    }

    private Task CreateTokenAsync() => RunAsync(async ct =>
    {
        var created = await Tokens.CreateAsync(_tokenName ?? string.Empty, _tokenScope, _tokenDays, ct);
        _newToken = created.PlainText;
        _tokenName = null;
        await LoadAsync();
    });

    private async Task FocusTokenNameAsync() => await (_tokenNameField?.FocusAsync() ?? ValueTask.CompletedTask);

    private Task RevokeTokenAsync(Guid id) => RunAsync(async ct =>
    {
        await Tokens.RevokeAsync(id, ct);
        Snackbar.Add(L["Tokens.Revoked"], Severity.Info);
        await LoadAsync();
    });
}
