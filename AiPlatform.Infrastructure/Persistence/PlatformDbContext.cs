using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence;

/// <summary>
/// The platform's metadata database. One model, two providers: each provider has a derived context
/// that owns its migrations (<see cref="SqlitePlatformDbContext"/>, <see cref="PostgresPlatformDbContext"/>).
/// </summary>
public abstract class PlatformDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<JobRecord> Jobs => Set<JobRecord>();

    public DbSet<JobLogEntry> JobLogs => Set<JobLogEntry>();

    public DbSet<StorageUsageSnapshot> StorageUsage => Set<StorageUsageSnapshot>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly);
        SnakeCaseNames.Apply(modelBuilder);
    }
}
