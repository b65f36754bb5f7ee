using AiPlatform.Core.Tracing;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class TraceInfoConfiguration : IEntityTypeConfiguration<TraceInfo>
{
    public void Configure(EntityTypeBuilder<TraceInfo> builder)
    {
        builder.ToTable("Traces");
        builder.HasKey(t => t.TraceId);
        builder.Property(t => t.TraceId).HasMaxLength(64);
        builder.Property(t => t.ClientRequestId).HasMaxLength(250);
        builder.Property(t => t.Name).HasMaxLength(250);
        builder.Property(t => t.RequestPreview).HasMaxLength(TraceService.MaxPreviewLength);
        builder.Property(t => t.ResponsePreview).HasMaxLength(TraceService.MaxPreviewLength);
        builder.Property(t => t.RunId).HasMaxLength(64);
        builder.Property(t => t.Source).HasMaxLength(32);
        builder.HasIndex(t => new { t.ExperimentId, t.RequestTime });
        builder.HasOne<Experiment>().WithMany().HasForeignKey(t => t.ExperimentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TraceTagConfiguration : IEntityTypeConfiguration<TraceTag>
{
    public void Configure(EntityTypeBuilder<TraceTag> builder)
    {
        builder.ToTable("TraceTags");
        builder.HasKey(t => new { t.TraceId, t.Key });
        builder.Property(t => t.TraceId).HasMaxLength(64);
        builder.Property(t => t.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(t => t.Value).HasMaxLength(TraceService.MaxValueLength);
        builder.HasOne<TraceInfo>().WithMany().HasForeignKey(t => t.TraceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TraceMetadataConfiguration : IEntityTypeConfiguration<TraceMetadataEntry>
{
    public void Configure(EntityTypeBuilder<TraceMetadataEntry> builder)
    {
        builder.ToTable("TraceMetadata");
        builder.HasKey(t => new { t.TraceId, t.Key });
        builder.Property(t => t.TraceId).HasMaxLength(64);
        builder.Property(t => t.Key).HasMaxLength(TrackingLimits.MaxKeyLength);
        builder.Property(t => t.Value).HasMaxLength(TraceService.MaxValueLength);
        builder.HasOne<TraceInfo>().WithMany().HasForeignKey(t => t.TraceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TraceSpansConfiguration : IEntityTypeConfiguration<TraceSpans>
{
    public void Configure(EntityTypeBuilder<TraceSpans> builder)
    {
        builder.ToTable("TraceSpans");
        builder.HasKey(t => t.TraceId);
        builder.Property(t => t.TraceId).HasMaxLength(64);
        builder.HasOne<TraceInfo>().WithOne().HasForeignKey<TraceSpans>(t => t.TraceId).OnDelete(DeleteBehavior.Cascade);
    }
}
