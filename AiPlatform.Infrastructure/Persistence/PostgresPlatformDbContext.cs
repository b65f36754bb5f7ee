using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence;

/// <summary>PostgreSQL flavour of the platform database.</summary>
public sealed class PostgresPlatformDbContext(DbContextOptions<PostgresPlatformDbContext> options) : PlatformDbContext(options);
