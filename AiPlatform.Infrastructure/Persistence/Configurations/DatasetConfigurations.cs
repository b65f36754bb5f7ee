using System.Text.Json;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class DatasetConfiguration : IEntityTypeConfiguration<Dataset>
{
    public void Configure(EntityTypeBuilder<Dataset> builder)
    {
        builder.ToTable("Datasets");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.Name).HasMaxLength(100);
        builder.Property(d => d.Description).HasMaxLength(20000);
        builder.Property(d => d.Tags)
            .HasConversion(v => "," + string.Join(',', v) + ",", v => v.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList())
            .Metadata.SetValueComparer(new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), v => v.ToList()));
        builder.Property(d => d.Tags).HasMaxLength(1000);
        builder.HasIndex(d => new { d.OwnerId, d.Name }).IsUnique();
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(d => d.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DatasetVersionConfiguration : IEntityTypeConfiguration<DatasetVersion>
{
    public void Configure(EntityTypeBuilder<DatasetVersion> builder)
    {
        builder.ToTable("DatasetVersions");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.ContentHash).HasMaxLength(64);
        builder.Property(v => v.ObjectKey).HasMaxLength(400);
        builder.Property(v => v.ColumnarKey).HasMaxLength(400);
        builder.Property(v => v.Format).HasConversion<string>().HasMaxLength(16);
        builder.Property(v => v.Message).HasMaxLength(1000);
        builder.Property(v => v.OriginalFileName).HasMaxLength(200);
        builder.Property(v => v.Source).HasMaxLength(40);
        builder.Property(v => v.CreatedBy).HasMaxLength(256);
        builder.Property(v => v.SourceDetail).HasMaxLength(30000);
        builder.Property(v => v.Columns)
            .HasConversion(v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web), v => JsonSerializer.Deserialize<List<DatasetColumn>>(v, JsonSerializerOptions.Web) ?? new List<DatasetColumn>())
            .Metadata.SetValueComparer(new ValueComparer<List<DatasetColumn>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, c) => HashCode.Combine(h, c.GetHashCode())), v => v.ToList()));
        builder.HasIndex(v => new { v.DatasetId, v.ContentHash }).IsUnique();
        builder.HasIndex(v => new { v.DatasetId, v.Number }).IsUnique();
        builder.HasOne<Dataset>().WithMany().HasForeignKey(v => v.DatasetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DatasetProfileConfiguration : IEntityTypeConfiguration<DatasetProfile>
{
    public void Configure(EntityTypeBuilder<DatasetProfile> builder)
    {
        builder.ToTable("DatasetProfiles");
        builder.HasKey(p => p.VersionId);
        builder.Property(p => p.VersionId).ValueGeneratedNever();
        builder.Property(p => p.Columns)
            .HasConversion(v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web), v => JsonSerializer.Deserialize<List<ColumnProfile>>(v, JsonSerializerOptions.Web) ?? new List<ColumnProfile>())
            .Metadata.SetValueComparer(new ValueComparer<List<ColumnProfile>>((a, b) => ReferenceEquals(a, b), v => v.Count, v => v.ToList()));
        builder.HasOne<DatasetVersion>().WithOne().HasForeignKey<DatasetProfile>(p => p.VersionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => p.DatasetId);
    }
}
