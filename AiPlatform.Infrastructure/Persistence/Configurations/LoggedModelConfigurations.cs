using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class LoggedModelConfiguration : IEntityTypeConfiguration<LoggedModel>
{
    public void Configure(EntityTypeBuilder<LoggedModel> builder)
    {
        builder.ToTable("LoggedModels");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.Name).HasMaxLength(LoggedModelService.MaxNameLength);
        builder.Property(m => m.ModelType).HasMaxLength(500);
        builder.Property(m => m.StatusMessage).HasMaxLength(2000);
        builder.Property(m => m.UserName).HasMaxLength(256);
        builder.Ignore(m => m.MlflowId);
        builder.HasIndex(m => new { m.ExperimentId, m.LifecycleStage, m.CreatedAt });
        builder.HasIndex(m => m.SourceRunId);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(m => m.ExperimentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Run>().WithMany().HasForeignKey(m => m.SourceRunId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class LoggedModelTagConfiguration : IEntityTypeConfiguration<LoggedModelTag>
{
    public void Configure(EntityTypeBuilder<LoggedModelTag> builder)
    {
        builder.ToTable("LoggedModelTags");
        builder.HasKey(t => new { t.ModelId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(t => t.Value).HasMaxLength(TrackingLimits.MaxRunTagValueLength);
        builder.HasOne<LoggedModel>().WithMany().HasForeignKey(t => t.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LoggedModelParamConfiguration : IEntityTypeConfiguration<LoggedModelParam>
{
    public void Configure(EntityTypeBuilder<LoggedModelParam> builder)
    {
        builder.ToTable("LoggedModelParams");
        builder.HasKey(p => new { p.ModelId, p.Key });
        builder.Property(p => p.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(p => p.Value).HasMaxLength(TrackingLimits.MaxParamValueLength);
        builder.HasOne<LoggedModel>().WithMany().HasForeignKey(p => p.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LoggedModelMetricConfiguration : IEntityTypeConfiguration<LoggedModelMetric>
{
    public void Configure(EntityTypeBuilder<LoggedModelMetric> builder)
    {
        builder.ToTable("LoggedModelMetrics");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedOnAdd();
        builder.Property(m => m.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(m => m.DatasetName).HasMaxLength(500);
        builder.Property(m => m.DatasetDigest).HasMaxLength(36);
        builder.Ignore(m => m.RealValue);
        builder.HasIndex(m => new { m.ModelId, m.Key, m.Step });
        builder.HasIndex(m => m.RunId);
        builder.HasOne<LoggedModel>().WithMany().HasForeignKey(m => m.ModelId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Run>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class LoggedModelArtifactConfiguration : IEntityTypeConfiguration<LoggedModelArtifact>
{
    public void Configure(EntityTypeBuilder<LoggedModelArtifact> builder)
    {
        builder.ToTable("LoggedModelArtifacts");
        builder.HasKey(a => new { a.ModelId, a.Path });
        builder.Property(a => a.Path).HasMaxLength(ArtifactService.MaxPathLength);
        builder.Property(a => a.ContentType).HasMaxLength(200);
        builder.Property(a => a.ObjectKey).HasMaxLength(400);
        builder.HasOne<LoggedModel>().WithMany().HasForeignKey(a => a.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunModelOutputConfiguration : IEntityTypeConfiguration<RunModelOutput>
{
    public void Configure(EntityTypeBuilder<RunModelOutput> builder)
    {
        builder.ToTable("RunModelOutputs");
        builder.HasKey(o => new { o.RunId, o.ModelId, o.Step });
        builder.HasIndex(o => o.ModelId);
        builder.HasOne<Run>().WithMany().HasForeignKey(o => o.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<LoggedModel>().WithMany().HasForeignKey(o => o.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
