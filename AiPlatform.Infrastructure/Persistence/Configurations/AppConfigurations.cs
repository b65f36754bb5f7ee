using AiPlatform.Core.Apps;
using AiPlatform.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class AppConfiguration : IEntityTypeConfiguration<App>
{
    public void Configure(EntityTypeBuilder<App> builder)
    {
        builder.ToTable("Apps");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Slug).HasMaxLength(64);
        builder.Property(a => a.Name).HasMaxLength(200);
        builder.Property(a => a.Description).HasMaxLength(2000);
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(a => a.Slug).IsUnique();
        builder.HasIndex(a => a.OwnerId);
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(a => a.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AppVersionConfiguration : IEntityTypeConfiguration<AppVersion>
{
    public void Configure(EntityTypeBuilder<AppVersion> builder)
    {
        builder.ToTable("AppVersions");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.Message).HasMaxLength(2000);
        builder.HasIndex(v => new { v.AppId, v.Number }).IsUnique();
        builder.HasOne<App>().WithMany().HasForeignKey(v => v.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AppRunConfiguration : IEntityTypeConfiguration<AppRun>
{
    public void Configure(EntityTypeBuilder<AppRun> builder)
    {
        builder.ToTable("AppRuns");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Source).HasMaxLength(16);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Error).HasMaxLength(4000);
        builder.Property(r => r.ErrorKey).HasMaxLength(200);
        builder.Property(r => r.ErrorNodeId).HasMaxLength(64);
        builder.Property(r => r.TraceId).HasMaxLength(40);
        builder.HasIndex(r => new { r.AppId, r.StartedAt });
        builder.HasIndex(r => r.ConversationId);
        builder.HasIndex(r => new { r.Status, r.StartedAt });

        // A key's daily token budget sums its runs of the day.
        builder.HasIndex(r => new { r.ApiKeyId, r.StartedAt });
        builder.HasOne<App>().WithMany().HasForeignKey(r => r.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AppApiKeyConfiguration : IEntityTypeConfiguration<AppApiKey>
{
    public void Configure(EntityTypeBuilder<AppApiKey> builder)
    {
        builder.ToTable("AppApiKeys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.Property(k => k.Hash).HasMaxLength(64);
        builder.HasIndex(k => k.Hash).IsUnique();
        builder.HasIndex(k => k.AppId);
        builder.HasOne<App>().WithMany().HasForeignKey(k => k.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AppSecretConfiguration : IEntityTypeConfiguration<AppSecret>
{
    public void Configure(EntityTypeBuilder<AppSecret> builder)
    {
        builder.ToTable("AppSecrets");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Name).HasMaxLength(AppSecretService.MaxNameLength);
        builder.Property(s => s.Hosts).HasMaxLength(4000);
        builder.HasIndex(s => new { s.AppId, s.Name }).IsUnique();
        builder.HasOne<App>().WithMany().HasForeignKey(s => s.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AppEvaluationConfiguration : IEntityTypeConfiguration<AppEvaluation>
{
    public void Configure(EntityTypeBuilder<AppEvaluation> builder)
    {
        builder.ToTable("AppEvaluations");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.ExperimentRunId).HasMaxLength(64);
        builder.Property(e => e.Error).HasMaxLength(4000);
        builder.HasIndex(e => new { e.AppId, e.CreatedAt });
        builder.HasOne<App>().WithMany().HasForeignKey(e => e.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AppDeploymentConfiguration : IEntityTypeConfiguration<AppDeployment>
{
    public void Configure(EntityTypeBuilder<AppDeployment> builder)
    {
        builder.ToTable("AppDeployments");
        builder.HasKey(d => d.AppId);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.Message).HasMaxLength(4000);
        builder.Property(d => d.ResourceName).HasMaxLength(63);
        builder.Property(d => d.Namespace).HasMaxLength(63);
        builder.HasOne<App>().WithMany().HasForeignKey(d => d.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}
