using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class RegisteredModelConfiguration : IEntityTypeConfiguration<RegisteredModel>
{
    public void Configure(EntityTypeBuilder<RegisteredModel> builder)
    {
        builder.ToTable("RegisteredModels");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.Name).HasMaxLength(256);
        builder.Property(m => m.Description).HasMaxLength(20000);
        builder.HasIndex(m => m.Name).IsUnique();
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(m => m.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RegisteredModelTagConfiguration : IEntityTypeConfiguration<RegisteredModelTag>
{
    public void Configure(EntityTypeBuilder<RegisteredModelTag> builder)
    {
        builder.ToTable("RegisteredModelTags");
        builder.HasKey(t => new { t.ModelId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
        builder.Property(t => t.Value).HasMaxLength(5000);
        builder.HasOne<RegisteredModel>().WithMany().HasForeignKey(t => t.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.ToTable("ModelVersions");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.Source).HasMaxLength(1000);
        builder.Property(v => v.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(v => v.Stage).HasConversion<string>().HasMaxLength(16);
        builder.Property(v => v.Format).HasConversion<string>().HasMaxLength(16);
        builder.Property(v => v.StatusMessage).HasMaxLength(2000);
        builder.Property(v => v.StatusMessageKey).HasMaxLength(StoredMessage.MaxKeyLength);
        builder.Property(v => v.Description).HasMaxLength(20000);
        builder.Property(v => v.SignatureJson).HasMaxLength(65536);
        builder.Property(v => v.CreatedBy).HasMaxLength(256);
        builder.HasIndex(v => new { v.ModelId, v.Version }).IsUnique();
        builder.HasIndex(v => v.RunId);
        builder.HasOne<RegisteredModel>().WithMany().HasForeignKey(v => v.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ModelVersionTagConfiguration : IEntityTypeConfiguration<ModelVersionTag>
{
    public void Configure(EntityTypeBuilder<ModelVersionTag> builder)
    {
        builder.ToTable("ModelVersionTags");
        builder.HasKey(t => new { t.VersionId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
        builder.Property(t => t.Value).HasMaxLength(5000);
        builder.HasOne<ModelVersion>().WithMany().HasForeignKey(t => t.VersionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ModelAliasConfiguration : IEntityTypeConfiguration<ModelAlias>
{
    public void Configure(EntityTypeBuilder<ModelAlias> builder)
    {
        builder.ToTable("ModelAliases");
        builder.HasKey(a => new { a.ModelId, a.Alias });
        builder.Property(a => a.Alias).HasMaxLength(255);
        builder.HasOne<RegisteredModel>().WithMany().HasForeignKey(a => a.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ModelFileConfiguration : IEntityTypeConfiguration<ModelFile>
{
    public void Configure(EntityTypeBuilder<ModelFile> builder)
    {
        builder.ToTable("ModelFiles");
        builder.HasKey(f => new { f.VersionId, f.Path });
        builder.Property(f => f.Path).HasMaxLength(1000);
        builder.Property(f => f.ObjectKey).HasMaxLength(400);
        builder.HasOne<ModelVersion>().WithMany().HasForeignKey(f => f.VersionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StageTransitionConfiguration : IEntityTypeConfiguration<StageTransition>
{
    public void Configure(EntityTypeBuilder<StageTransition> builder)
    {
        builder.ToTable("StageTransitions");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.From).HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.To).HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.By).HasMaxLength(256);
        builder.Property(t => t.Reason).HasMaxLength(500);
        builder.HasIndex(t => new { t.ModelId, t.At });
        builder.HasOne<RegisteredModel>().WithMany().HasForeignKey(t => t.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
