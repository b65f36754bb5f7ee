using AiPlatform.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class JobLogEntryConfiguration : IEntityTypeConfiguration<JobLogEntry>
{
    public void Configure(EntityTypeBuilder<JobLogEntry> builder)
    {
        builder.ToTable("JobLogs");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).ValueGeneratedOnAdd();
        builder.Property(l => l.Level).HasConversion<string>().HasMaxLength(10);
        builder.Property(l => l.Message).HasMaxLength(4000);
        builder.Property(l => l.MessageKey).HasMaxLength(100);
        builder.Property(l => l.MessageArguments).HasMaxLength(4000);
        builder.HasOne<JobRecord>().WithMany().HasForeignKey(l => l.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(l => new { l.JobId, l.Id });
    }
}
