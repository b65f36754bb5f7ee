using AiPlatform.Core.Common;
using AiPlatform.Core.Training;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class TrainingRunConfiguration : IEntityTypeConfiguration<TrainingRun>
{
    public void Configure(EntityTypeBuilder<TrainingRun> builder)
    {
        builder.ToTable("TrainingRuns");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Name).HasMaxLength(TrackingLimits.MaxRunNameLength);
        builder.Property(r => r.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Backend).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.SpecJson).HasMaxLength(65536);
        builder.Property(r => r.Error).HasMaxLength(TrainingRun.MaxErrorLength);
        builder.Property(r => r.ErrorKey).HasMaxLength(StoredMessage.MaxKeyLength);
        builder.Property(r => r.CreatedBy).HasMaxLength(256);
        builder.Ignore(r => r.IsTerminal);
        builder.HasIndex(r => new { r.Backend, r.Status, r.Priority, r.CreatedAt });
        builder.HasIndex(r => r.ExperimentId);
        builder.HasIndex(r => r.StudyId);
        builder.Property(r => r.TrialParamsJson).HasMaxLength(8000);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StudyConfiguration : IEntityTypeConfiguration<Core.Training.Hpo.Study>
{
    public void Configure(EntityTypeBuilder<Core.Training.Hpo.Study> builder)
    {
        builder.ToTable("Studies");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Name).HasMaxLength(TrackingLimits.MaxRunNameLength);
        builder.Property(s => s.BaseRequestJson).HasMaxLength(65536);
        builder.Property(s => s.SearchSpaceJson).HasMaxLength(65536);
        builder.Property(s => s.ObjectiveMetric).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(s => s.Direction).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Sampler).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Error).HasMaxLength(2000);
        builder.Property(s => s.ErrorKey).HasMaxLength(StoredMessage.MaxKeyLength);
        builder.Property(s => s.CreatedBy).HasMaxLength(256);
        builder.HasIndex(s => s.Status);
        builder.HasIndex(s => s.ExperimentId);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(s => s.ExperimentId).OnDelete(DeleteBehavior.Cascade);
    }
}
