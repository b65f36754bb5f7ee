using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class ExperimentConfiguration : IEntityTypeConfiguration<Experiment>
{
    public void Configure(EntityTypeBuilder<Experiment> builder)
    {
        builder.ToTable("Experiments");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Name).HasMaxLength(TrackingLimits.MaxExperimentNameLength);
        builder.HasIndex(e => new { e.OwnerId, e.Name }).IsUnique();
        builder.HasIndex(e => e.Name);
        builder.HasIndex(e => e.Number).IsUnique();
        builder.HasIndex(e => e.ProjectId);
        builder.Ignore(e => e.MlflowId);
        builder.HasOne<Project>().WithMany().HasForeignKey(e => e.ProjectId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(e => e.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ExperimentTagConfiguration : IEntityTypeConfiguration<ExperimentTag>
{
    public void Configure(EntityTypeBuilder<ExperimentTag> builder)
    {
        builder.ToTable("ExperimentTags");
        builder.HasKey(t => new { t.ExperimentId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(t => t.Value).HasMaxLength(TrackingLimits.MaxExperimentTagValueLength);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(t => t.ExperimentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> builder)
    {
        builder.ToTable("Runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Name).HasMaxLength(TrackingLimits.MaxRunNameLength);
        builder.Property(r => r.UserName).HasMaxLength(256);
        builder.Ignore(r => r.MlflowId);
        builder.HasIndex(r => new { r.ExperimentId, r.LifecycleStage, r.StartTime });
        builder.HasIndex(r => r.ParentRunId);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RunParamConfiguration : IEntityTypeConfiguration<RunParam>
{
    public void Configure(EntityTypeBuilder<RunParam> builder)
    {
        builder.ToTable("RunParams");
        builder.HasKey(p => new { p.RunId, p.Key });
        builder.Property(p => p.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(p => p.Value).HasMaxLength(TrackingLimits.MaxParamValueLength);
        builder.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunTagConfiguration : IEntityTypeConfiguration<RunTag>
{
    public void Configure(EntityTypeBuilder<RunTag> builder)
    {
        builder.ToTable("RunTags");
        builder.HasKey(t => new { t.RunId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(t => t.Value).HasMaxLength(TrackingLimits.MaxRunTagValueLength);
        builder.HasOne<Run>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunMetricConfiguration : IEntityTypeConfiguration<RunMetric>
{
    public void Configure(EntityTypeBuilder<RunMetric> builder)
    {
        builder.ToTable("RunMetrics");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedOnAdd();
        builder.Property(m => m.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Ignore(m => m.RealValue);
        builder.HasIndex(m => new { m.RunId, m.Key, m.Step });
        builder.HasOne<Run>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunLatestMetricConfiguration : IEntityTypeConfiguration<RunLatestMetric>
{
    public void Configure(EntityTypeBuilder<RunLatestMetric> builder)
    {
        builder.ToTable("RunLatestMetrics");
        builder.HasKey(m => new { m.RunId, m.Key });
        builder.Property(m => m.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Ignore(m => m.RealValue);
        builder.HasIndex(m => new { m.ExperimentId, m.Key, m.Value });
        builder.HasOne<Run>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunInputConfiguration : IEntityTypeConfiguration<RunInput>
{
    public void Configure(EntityTypeBuilder<RunInput> builder)
    {
        builder.ToTable("RunInputs");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.Name).HasMaxLength(500);
        builder.Property(i => i.Digest).HasMaxLength(36);
        builder.Property(i => i.SourceType).HasMaxLength(36);
        builder.Property(i => i.Context).HasMaxLength(250);
        builder.HasIndex(i => i.RunId);
        builder.HasIndex(i => i.DatasetVersionId);
        builder.HasOne<Run>().WithMany().HasForeignKey(i => i.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunArtifactConfiguration : IEntityTypeConfiguration<RunArtifact>
{
    public void Configure(EntityTypeBuilder<RunArtifact> builder)
    {
        builder.ToTable("RunArtifacts");
        builder.HasKey(a => new { a.RunId, a.Path });
        builder.Property(a => a.Path).HasMaxLength(Core.Tracking.ArtifactService.MaxPathLength);
        builder.Property(a => a.ContentType).HasMaxLength(200);
        builder.Property(a => a.ObjectKey).HasMaxLength(400);
        builder.HasOne<Run>().WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
