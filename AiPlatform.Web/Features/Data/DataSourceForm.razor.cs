using AiPlatform.Core.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Data;

public partial class DataSourceForm : ComponentBase
{
    [Inject]
    private IStringLocalizer<SharedResource> L { get; set; } = default!;

    private string? _name;
    private DataSourceKind _kind = DataSourceKind.Postgres;
    private string? _host;
    private int _port = 5432;
    private string? _database;
    private string? _userName;
    private string? _password;
    private DataSourceTls _tls = DataSourceTls.VerifyFull;

    [Parameter]
    public DataSource? Source { get; set; }

    private bool HasPassword => Source?.ProtectedPassword is not null;

    private IEnumerable<DataSourceTls> Modes => _kind switch
    {
        DataSourceKind.S3 => [DataSourceTls.VerifyFull, DataSourceTls.Require, DataSourceTls.Disable],
        DataSourceKind.Kafka => [DataSourceTls.VerifyFull, DataSourceTls.VerifyCA, DataSourceTls.Require, DataSourceTls.Disable],
        _ => Enum.GetValues<DataSourceTls>(),
    };

    /// <summary>Saving now would drop the stored password: the connection changed and no password was typed.</summary>
    private bool SecretWillBeCleared =>
        Source is { ProtectedPassword: not null } s && string.IsNullOrEmpty(_password)
        && (!string.Equals(s.Host, _host?.Trim(), StringComparison.OrdinalIgnoreCase) || s.Port != _port || s.Database != (_database ?? string.Empty).Trim() || s.UserName != (_userName ?? string.Empty).Trim() || s.Tls != _tls);

    /// <summary>What the user typed; a blank password on an existing source keeps the stored one while the connection stays the same.</summary>
    public DataSourceInput Input => new(_name, _kind, _host, _port, _database, _userName, Source is not null && string.IsNullOrEmpty(_password) ? null : _password, _tls);

    protected override void OnParametersSet()
    {
        if (Source is { } s)
        {
            (_name, _kind, _host, _port, _database, _userName, _tls) = (s.Name, s.Kind, s.Host, s.Port, s.Database, s.UserName, s.Tls);
        }
    }
}
