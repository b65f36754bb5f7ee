using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence;

/// <summary>Hands out the provider's derived context as the common <see cref="PlatformDbContext"/>.</summary>
internal sealed class PlatformDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<PlatformDbContext>
    where TContext : PlatformDbContext
{
    public PlatformDbContext CreateDbContext() => inner.CreateDbContext();
}
