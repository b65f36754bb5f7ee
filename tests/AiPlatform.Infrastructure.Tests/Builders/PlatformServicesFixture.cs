using AiPlatform.Core;
using AiPlatform.Core.Access;
using AiPlatform.Core.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>The real Core and Infrastructure services on a real database, with a dispatcher that records instead of executing.</summary>
public abstract class PlatformServicesFixture : IAsyncLifetime
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "aip-tests", Guid.NewGuid().ToString("N"));

    public ServiceProvider Services { get; private set; } = default!;

    public const string AdminPassword = "Admin-Passw0rd-Test";

    public RecordingDispatcher Dispatcher { get; } = new();

    /// <summary>What the <c>test.hooked</c> handler was told about its interrupted jobs.</summary>
    public InterruptionLog Interruptions { get; } = new();

    /// <summary>Who the services think is calling; the administrator unless a test says otherwise.</summary>
    public TestCurrentUser CurrentUser { get; } = new();

    public CallerIdentity Admin { get; private set; } = default!;

    public abstract string Provider { get; }

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = DataDirectory,
            ["Jobs:PollInterval"] = "00:00:00.100",
            ["Admin:InitialPassword"] = AdminPassword,

            // The peers (PostgreSQL, S3, the LLM server, Kafka's mock cluster, file:// Git repositories) live on this machine.
            ["DataSources:AllowedHosts:0"] = "127.0.0.0/8",
            ["DataSources:AllowedHosts:1"] = "::1",
            ["DataSources:AllowedHosts:2"] = "localhost",
            ["Training:AllowLocalGitUrls"] = "true",
        };
        foreach (var (key, value) in await DatabaseSettingsAsync())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMetrics();
        services.AddCore();
        services.AddInfrastructure(configuration);
        services.RemoveAll<IJobDispatcher>();
        services.AddSingleton<IJobDispatcher>(Dispatcher);
        services.AddSingleton<ICurrentUser>(CurrentUser);
        services.AddScoped<IJobHandler, SucceedingHandler>();
        services.AddScoped<IJobHandler, FailingHandler>();
        services.AddScoped<IJobHandler, WaitingHandler>();
        services.AddScoped<IJobHandler, RestartableHandler>();
        services.AddScoped<IJobHandler, HookedHandler>();
        services.AddSingleton(Interruptions);
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await Services.MigrateDatabaseAsync();
        var admin = (await Get<IUserDirectory>().FindByNameAsync("admin", default))!;
        Admin = new CallerIdentity(admin.Id, admin.UserName);
        CurrentUser.Caller = Admin;
    }

    /// <summary>Creates a user with the given system roles (none: no capabilities) as the administrator.</summary>
    public async Task<CallerIdentity> CreateUserAsync(string userName, params string[] roles)
    {
        var previous = CurrentUser.Caller;
        CurrentUser.Caller = Admin;
        try
        {
            var user = await Get<UserAdminService>().CreateAsync(new NewUser(userName, null, null, "Passw0rd-" + userName), roles.Select(SystemRoles.IdOf).ToList(), default);
            return new CallerIdentity(user.Id, user.UserName);
        }
        finally
        {
            CurrentUser.Caller = previous;
        }
    }

    /// <summary>Runs <paramref name="action"/> with <paramref name="caller"/> as the current user, then restores the previous one.</summary>
    public async Task<T> As<T>(CallerIdentity caller, Func<Task<T>> action)
    {
        var previous = CurrentUser.Caller;
        CurrentUser.Caller = caller;
        try
        {
            return await action();
        }
        finally
        {
            CurrentUser.Caller = previous;
        }
    }

    public Task As(CallerIdentity caller, Func<Task> action) => As(caller, async () =>
    {
        await action();
        return true;
    });

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await DropDatabaseAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    public T Get<T>() where T : notnull => Services.CreateScope().ServiceProvider.GetRequiredService<T>();

    protected abstract Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync();

    protected virtual Task DropDatabaseAsync() => Task.CompletedTask;
}

public sealed class SqliteServicesFixture : PlatformServicesFixture
{
    public override string Provider => "Sqlite";

    protected override Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" });
}

public sealed class PostgresServicesFixture : PlatformServicesFixture
{
    private readonly string _database = "aip_test_" + Guid.NewGuid().ToString("N")[..12];

    public override string Provider => "Postgres";

    protected override Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestPeers.PostgresConnectionString) { Database = _database };
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["Database:ConnectionString"] = builder.ConnectionString,
        });
    }

    protected override async Task DropDatabaseAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(TestPeers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
