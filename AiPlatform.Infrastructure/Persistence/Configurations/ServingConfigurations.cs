using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class ServingEndpointConfiguration : IEntityTypeConfiguration<ServingEndpoint>
{
    public void Configure(EntityTypeBuilder<ServingEndpoint> builder)
    {
        builder.ToTable("ServingEndpoints");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Name).HasMaxLength(63);
        builder.Property(e => e.Description).HasMaxLength(10000);
        builder.Property(e => e.Target).HasMaxLength(300);
        builder.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Runtime).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Error).HasMaxLength(ServingEndpoint.MaxErrorLength);
        builder.Property(e => e.ErrorKey).HasMaxLength(StoredMessage.MaxKeyLength);
        builder.HasIndex(e => e.Name).IsUnique();
        builder.HasIndex(e => e.ModelId);
        builder.HasOne<RegisteredModel>().WithMany().HasForeignKey(e => e.ModelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(e => e.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class EndpointEventConfiguration : IEntityTypeConfiguration<EndpointEvent>
{
    public void Configure(EntityTypeBuilder<EndpointEvent> builder)
    {
        builder.ToTable("EndpointEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.By).HasMaxLength(256);
        builder.Property(e => e.Kind).HasMaxLength(32);
        builder.Property(e => e.Detail).HasMaxLength(2000);
        builder.HasIndex(e => new { e.EndpointId, e.At });
        builder.HasOne<ServingEndpoint>().WithMany().HasForeignKey(e => e.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}
