using AiPlatform.Core;
using AiPlatform.Core.Access;
using AiPlatform.Core.Projects;
using AiPlatform.Infrastructure;
using AiPlatform.Infrastructure.Persistence;
using AiPlatform.Infrastructure.Persistence.Stores;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Benchmarks;

/// <summary>
/// Listing 10,000 projects for a user in 50 groups with mixed grants (owned, granted directly, granted to one of the
/// groups; plus 2,000 projects and 5,000 grants the user cannot see), against the same list with no permission
/// filter, in the same run. Database: SQLite in a temporary folder (set AIP_BENCH_POSTGRES to use PostgreSQL).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class PermissionFilterBenchmarks
{
    private const int Visible = 10_000;
    private const int Hidden = 2_000;
    private const int GroupCount = 50;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aip-bench-" + Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = default!;
    private AccessContext _context = default!;
    private string? _postgres;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var settings = new Dictionary<string, string?> { ["Platform:DataDirectory"] = _data, ["Admin:InitialPassword"] = "Bench-Passw0rd" };
        if (Environment.GetEnvironmentVariable("AIP_BENCH_POSTGRES") is { Length: > 0 } postgres)
        {
            settings["Database:Provider"] = "Postgres";
            // A fresh database per benchmark process (BenchmarkDotNet runs each benchmark in its own process).
            settings["Database:ConnectionString"] = new Npgsql.NpgsqlConnectionStringBuilder(postgres) { Database = "aip_bench_" + Guid.NewGuid().ToString("N")[..10] }.ConnectionString;
            _postgres = settings["Database:ConnectionString"];
        }

        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning)).AddMetrics().AddCore();
        services.AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        _services = services.BuildServiceProvider();
        await _services.MigrateDatabaseAsync();

        await using var db = await _services.GetRequiredService<IDbContextFactory<PlatformDbContext>>().CreateDbContextAsync();
        var admin = await db.Users.SingleAsync();
        var user = admin.Id;
        var other = Guid.CreateVersion7();
        db.Users.Add(new Infrastructure.Identity.PlatformUser { Id = other, UserName = "other", NormalizedUserName = "OTHER", CreatedAt = DateTimeOffset.UtcNow });
        var groups = Enumerable.Range(0, GroupCount).Select(i => new Group { Id = Guid.CreateVersion7(), Name = $"group-{i:D2}", CreatedAt = DateTimeOffset.UtcNow }).ToList();
        db.Groups.AddRange(groups);
        db.GroupMembers.AddRange(groups.Select(g => new GroupMember { GroupId = g.Id, UserId = user }));
        var random = new Random(42);
        for (var i = 0; i < Visible + Hidden; i++)
        {
            var kind = i < Visible ? i % 4 : 4;
            var project = new Project { Id = Guid.CreateVersion7(), Name = $"project-{i:D5}", OwnerId = kind == 0 ? user : other, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow };
            db.Projects.Add(project);
            if (kind == 1)
            {
                db.Grants.Add(Grant(project.Id, PrincipalType.User, user, PermissionLevel.Read));
            }
            else if (kind is 2 or 3)
            {
                db.Grants.Add(Grant(project.Id, PrincipalType.Group, groups[random.Next(GroupCount)].Id, (PermissionLevel)random.Next(1, 4)));
            }
            else if (kind == 4 && i % 2 == 0)
            {
                db.Grants.Add(Grant(project.Id, PrincipalType.User, other, PermissionLevel.Write));
            }

            if (i % 3 == 0)
            {
                db.Grants.Add(Grant(project.Id, PrincipalType.Group, Guid.CreateVersion7(), PermissionLevel.Read));
            }
        }

        await db.SaveChangesAsync();
        _context = new AccessContext(user, admin.UserName!, groups.Select(g => g.Id).ToHashSet(), new HashSet<string>());
        var visible = await ReadableAsync();
        if (visible != Visible)
        {
            throw new InvalidOperationException($"The filter found {visible} projects, expected {Visible}.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
        if (_postgres is not null)
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(_postgres);
            var database = builder.Database;
            builder.Database = "postgres";
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Benchmark(Baseline = true, Description = "all projects, no permission filter")]
    public async Task<int> UnfilteredAsync()
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<PlatformDbContext>>().CreateDbContextAsync();
        return (await db.Projects.AsNoTracking().OrderBy(p => p.Name).ToListAsync()).Count;
    }

    [Benchmark(Description = "readable projects for a user in 50 groups")]
    public Task<int> ReadableAsync() => ListAsync(_context);

    private async Task<int> ListAsync(AccessContext context)
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<PlatformDbContext>>().CreateDbContextAsync();
        return (await db.Projects.AsNoTracking().Readable(db, context, SecurableTypes.Project).OrderBy(p => p.Name).ToListAsync()).Count;
    }

    private static ObjectGrant Grant(Guid projectId, PrincipalType type, Guid principal, PermissionLevel level) => new()
    {
        Id = Guid.CreateVersion7(),
        ObjectType = SecurableTypes.Project,
        ObjectId = projectId,
        PrincipalType = type,
        PrincipalId = principal,
        Level = level,
        GrantedAt = DateTimeOffset.UtcNow,
    };
}
