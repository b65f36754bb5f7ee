using AiPlatform.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class StorageUsageSnapshotConfiguration : IEntityTypeConfiguration<StorageUsageSnapshot>
{
    public void Configure(EntityTypeBuilder<StorageUsageSnapshot> builder)
    {
        builder.ToTable("StorageUsageSnapshots");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Provider).HasMaxLength(50);
        builder.HasIndex(s => s.TakenAt);
    }
}
