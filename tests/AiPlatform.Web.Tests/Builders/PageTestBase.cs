using System.Security.Claims;
using AiPlatform.Core;
using AiPlatform.Core.Access;
using AiPlatform.Web;
using AiPlatform.Web.Security;
using Bunit.TestDoubles;
using AiPlatform.Infrastructure;
using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// bUnit context with MudBlazor, the UI strings and the real Core and Infrastructure services on a temporary
/// SQLite database. Implements <see cref="IAsyncLifetime"/> so MudBlazor's async-only services dispose cleanly under xunit v2.
/// </summary>
public abstract class PageTestBase : BunitContext, IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aip-bunit-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// How long WaitForAssertion/WaitForState/WaitForElement wait unless told otherwise: bUnit's 1 s default is lost to
    /// a loaded two-core CI machine; a real failure still fails, only later.
    /// </summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    protected PageTestBase()
    {
        DefaultWaitTimeout = WaitTimeout;
        JSInterop.Mode = JSRuntimeMode.Loose;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _data,
            ["Admin:InitialPassword"] = "Admin-Passw0rd-Bunit",
            ["DataSources:AllowedHosts:0"] = "127.0.0.0/8",
            ["DataSources:AllowedHosts:1"] = "::1",
            ["DataSources:AllowedHosts:2"] = "localhost",
        }).AddInMemoryCollection(Settings).Build();
        Services.AddLogging();
        Services.AddMetrics();
        Services.AddMudServices(WebHostExtensions.ConfigureMud);
        Services.AddTransient<MudBlazor.MudLocalizer, AiPlatform.Web.Components.Shared.PlatformMudLocalizer>();
        Services.AddSingleton<SafeHtml>();
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddCore();
        Services.AddInfrastructure(configuration);
        Services.AddHttpContextAccessor();
        Services.AddAuthentication();
        Services.AddInfrastructureSignIn(configuration);
        Services.AddScoped<ICurrentUser, HttpCurrentUser>();
        Authorization = AddAuthorization();
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    protected BunitAuthorizationContext Authorization { get; }

    /// <summary>Renders in another UI language until disposed (the culture of the test's thread is restored).</summary>
    protected static IDisposable InCulture(string name)
    {
        var previous = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo(name);
        return new Restore(() => (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture) = previous);
    }

    /// <summary>Settings a test class adds to the platform's configuration (read in the base constructor: return constants).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>The signed-in administrator the pages render for.</summary>
    protected Guid AdminId { get; private set; }

    public async Task InitializeAsync()
    {
        await Services.MigrateDatabaseAsync();
        AdminId = (await Get<IUserDirectory>().FindByNameAsync("admin", default))!.Id;
        SignIn(AdminId, "admin");
    }

    protected void SignIn(Guid id, string userName)
    {
        Authorization.SetAuthorized(userName);
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, id.ToString()), new Claim(ClaimTypes.Name, userName));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    protected T Get<T>() where T : notnull => Services.CreateScope().ServiceProvider.GetRequiredService<T>();

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
