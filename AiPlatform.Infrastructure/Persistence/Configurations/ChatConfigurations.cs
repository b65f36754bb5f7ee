using AiPlatform.Core.Chat;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class LlmProviderConfiguration : IEntityTypeConfiguration<LlmProvider>
{
    public void Configure(EntityTypeBuilder<LlmProvider> builder)
    {
        builder.ToTable("LlmProviders");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Property(p => p.Name).HasMaxLength(100);
        builder.Property(p => p.BaseUrl).HasMaxLength(1000);
        builder.Property(p => p.ApiKeyProtected).HasMaxLength(4000);
    }
}

internal sealed class LlmModelConfiguration : IEntityTypeConfiguration<LlmModel>
{
    public void Configure(EntityTypeBuilder<LlmModel> builder)
    {
        builder.ToTable("LlmModels");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.ModelId).HasMaxLength(300);
        builder.Property(m => m.Name).HasMaxLength(400);
        builder.Property(m => m.EmbeddingLanguages).HasMaxLength(EmbeddingLanguages.MaxLength);
        builder.Ignore(m => m.EffectiveEmbeddingLanguages);
        builder.HasIndex(m => m.Name).IsUnique();
        builder.HasOne<LlmProvider>().WithMany().HasForeignKey(m => m.ProviderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(m => m.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        builder.ToTable("Conversations");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.Title).HasMaxLength(200);
        builder.Property(c => c.Model).HasMaxLength(400);
        builder.Property(c => c.SystemPrompt).HasMaxLength(20000);
        builder.Property(c => c.KnowledgeBases).HasMaxLength(2000);
        builder.Ignore(c => c.KnowledgeBaseIds);
        builder.HasIndex(c => new { c.OwnerId, c.UpdatedAt });
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConversationMessageConfiguration : IEntityTypeConfiguration<ConversationMessage>
{
    public void Configure(EntityTypeBuilder<ConversationMessage> builder)
    {
        builder.ToTable("ConversationMessages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.Role).HasMaxLength(16);
        builder.Property(m => m.Model).HasMaxLength(400);
        builder.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.Error).HasMaxLength(2000);
        builder.Property(m => m.ErrorKey).HasMaxLength(200);
        builder.Property(m => m.FeedbackComment).HasMaxLength(2000);
        builder.Property(m => m.Citations).HasMaxLength(100000);
        builder.HasIndex(m => new { m.ConversationId, m.Id });
        builder.HasOne<Conversation>().WithMany().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LlmUsageConfiguration : IEntityTypeConfiguration<LlmUsage>
{
    public void Configure(EntityTypeBuilder<LlmUsage> builder)
    {
        builder.ToTable("LlmUsage");
        builder.HasKey(u => new { u.UserId, u.Model, u.Day, u.Source });
        builder.Property(u => u.Model).HasMaxLength(400);
        builder.Property(u => u.Source).HasMaxLength(16);
        builder.HasIndex(u => u.Day);
    }
}

internal sealed class LlmQuotaConfiguration : IEntityTypeConfiguration<LlmQuota>
{
    public void Configure(EntityTypeBuilder<LlmQuota> builder)
    {
        builder.ToTable("LlmQuotas");
        builder.HasKey(q => q.Id);
        builder.Property(q => q.Id).ValueGeneratedNever();
        builder.Property(q => q.PrincipalType).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(q => new { q.PrincipalType, q.PrincipalId }).IsUnique();
    }
}

internal sealed class PromptTemplateConfiguration : IEntityTypeConfiguration<PromptTemplate>
{
    public void Configure(EntityTypeBuilder<PromptTemplate> builder)
    {
        builder.ToTable("PromptTemplates");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.Content).HasMaxLength(20000);
        builder.HasIndex(t => new { t.OwnerId, t.Name }).IsUnique();
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(t => t.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}
