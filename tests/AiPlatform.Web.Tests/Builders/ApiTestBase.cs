using System.Net;
using System.Net.Http.Json;
using AiPlatform.Core.Access;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>An HTTP test against a fresh platform (own data folder) with an administrator client.</summary>
public abstract class ApiTestBase : IAsyncLifetime
{
    protected PlatformWebFactory Factory { get; } = new();

    protected HttpClient Admin { get; private set; } = default!;

    /// <summary>Serve over a real loopback Kestrel port (for clients that make their own connections: SDKs, child processes).</summary>
    protected virtual bool OverKestrel => false;

    public virtual Task InitializeAsync()
    {
        if (OverKestrel)
        {
            Factory.UseKestrel(0);
            Factory.StartServer();
        }

        Admin = Factory.CreateAdminClient();
        if (OverKestrel)
        {
            Admin.BaseAddress = Factory.ClientOptions.BaseAddress;
        }

        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        Factory.DeleteData();
    }

    /// <summary>Creates a user with one system role (password <c>Passw0rd-&lt;name&gt;</c>) and returns a client signed in as them.</summary>
    protected async Task<HttpClient> CreateUserAsync(string userName, string role)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/users", new { userName, password = "Passw0rd-" + userName, mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(role) } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return Factory.CreateClientAs(userName, "Passw0rd-" + userName);
    }
}
