using AiPlatform.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class JobRecordConfiguration : IEntityTypeConfiguration<JobRecord>
{
    public void Configure(EntityTypeBuilder<JobRecord> builder)
    {
        builder.ToTable("Jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Id).ValueGeneratedNever();
        builder.Property(j => j.Kind).HasMaxLength(100);
        builder.Property(j => j.Title).HasMaxLength(200);
        builder.Property(j => j.TitleKey).HasMaxLength(100);
        builder.Property(j => j.TitleArguments).HasMaxLength(2000);
        builder.Property(j => j.SubjectType).HasMaxLength(100);
        builder.Property(j => j.SubjectId).HasMaxLength(200);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.ProgressMessage).HasMaxLength(500);
        builder.Property(j => j.Error).HasMaxLength(4000);
        builder.Property(j => j.CreatedBy).HasMaxLength(200);
        builder.Property(j => j.NodeId).HasMaxLength(200);
        builder.HasIndex(j => new { j.Status, j.CreatedAt });
        builder.HasIndex(j => new { j.Status, j.HeartbeatAt });
        builder.HasIndex(j => j.CreatedAt);
        builder.HasIndex(j => new { j.SubjectType, j.SubjectId });
    }
}
