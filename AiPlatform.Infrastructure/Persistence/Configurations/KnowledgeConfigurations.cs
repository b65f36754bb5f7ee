using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class KnowledgeBaseConfiguration : IEntityTypeConfiguration<KnowledgeBase>
{
    public void Configure(EntityTypeBuilder<KnowledgeBase> builder)
    {
        builder.ToTable("KnowledgeBases");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.Description).HasMaxLength(2000);
        builder.Property(k => k.EmbeddingModel).HasMaxLength(400);
        builder.Property(k => k.IndexVersion).IsConcurrencyToken(false);
        builder.HasIndex(k => new { k.OwnerId, k.Name }).IsUnique();
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(k => k.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class KnowledgeDocumentConfiguration : IEntityTypeConfiguration<KnowledgeDocument>
{
    public void Configure(EntityTypeBuilder<KnowledgeDocument> builder)
    {
        builder.ToTable("KnowledgeDocuments");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.FileName).HasMaxLength(255);
        builder.Property(d => d.ObjectKey).HasMaxLength(500);
        builder.Property(d => d.Sha256).HasMaxLength(64);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.Error).HasMaxLength(2000);
        builder.Property(d => d.ErrorKey).HasMaxLength(200);
        builder.Property(d => d.CreatedBy).HasMaxLength(256);
        builder.HasIndex(d => new { d.KnowledgeBaseId, d.FileName }).IsUnique();
        builder.HasOne<KnowledgeBase>().WithMany().HasForeignKey(d => d.KnowledgeBaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class KnowledgeChunkConfiguration : IEntityTypeConfiguration<KnowledgeChunk>
{
    public void Configure(EntityTypeBuilder<KnowledgeChunk> builder)
    {
        builder.ToTable("KnowledgeChunks");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.Heading).HasMaxLength(500);
        builder.Property(c => c.Language).HasMaxLength(8);
        builder.HasIndex(c => c.KnowledgeBaseId);
        builder.HasIndex(c => new { c.DocumentId, c.Ordinal });

        // The language statistics group by it; the backfill of older chunks finds those without one through it.
        builder.HasIndex(c => new { c.KnowledgeBaseId, c.Language });
        builder.HasOne<KnowledgeDocument>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
