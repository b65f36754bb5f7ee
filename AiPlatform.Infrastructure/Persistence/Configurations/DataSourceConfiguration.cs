using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class DataSourceConfiguration : IEntityTypeConfiguration<DataSource>
{
    public void Configure(EntityTypeBuilder<DataSource> builder)
    {
        builder.ToTable("DataSources");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.Host).HasMaxLength(255);
        builder.Property(s => s.Database).HasMaxLength(128);
        builder.Property(s => s.UserName).HasMaxLength(128);
        builder.Property(s => s.Tls).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.ProtectedPassword).HasMaxLength(2000);
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ScheduledImportConfiguration : IEntityTypeConfiguration<ScheduledImport>
{
    public void Configure(EntityTypeBuilder<ScheduledImport> builder)
    {
        builder.ToTable("ScheduledImports");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Table).HasMaxLength(300);
        builder.Property(s => s.Query).HasMaxLength(20000);
        builder.Property(s => s.Cron).HasMaxLength(100);
        builder.Property(s => s.CreatedBy).HasMaxLength(256);
        builder.HasOne<DataSource>().WithMany().HasForeignKey(s => s.SourceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Dataset>().WithMany().HasForeignKey(s => s.DatasetId).OnDelete(DeleteBehavior.Cascade);
    }
}
