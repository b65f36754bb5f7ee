using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence;

/// <summary>
/// The platform's metadata database. One model, two providers: each provider has a derived context
/// that owns its migrations (<see cref="SqlitePlatformDbContext"/>, <see cref="PostgresPlatformDbContext"/>).
/// User accounts use ASP.NET Core Identity's user tables; roles and grants are the platform's own.
/// </summary>
public abstract class PlatformDbContext(DbContextOptions options) : IdentityUserContext<PlatformUser, Guid>(options)
{
    public DbSet<JobRecord> Jobs => Set<JobRecord>();

    public DbSet<JobLogEntry> JobLogs => Set<JobLogEntry>();

    public DbSet<StorageUsageSnapshot> StorageUsage => Set<StorageUsageSnapshot>();

    public DbSet<Role> PlatformRoles => Set<Role>();

    public DbSet<RoleAssignment> RoleAssignments => Set<RoleAssignment>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<GroupMember> GroupMembers => Set<GroupMember>();

    public DbSet<ObjectGrant> Grants => Set<ObjectGrant>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    /// <summary>The access stamp (one row) that tells every node when access changed; see <see cref="AccessStamps.AccessStampInterceptor"/>.</summary>
    public DbSet<AccessStamps.AccessStamp> AccessStamps => Set<AccessStamps.AccessStamp>();

    public DbSet<Project> Projects => Set<Project>();

    public DbSet<Dataset> Datasets => Set<Dataset>();

    public DbSet<DatasetVersion> DatasetVersions => Set<DatasetVersion>();

    public DbSet<DatasetProfile> DatasetProfiles => Set<DatasetProfile>();

    public DbSet<DataSource> DataSources => Set<DataSource>();

    public DbSet<ScheduledImport> ScheduledImports => Set<ScheduledImport>();

    public DbSet<Experiment> Experiments => Set<Experiment>();

    public DbSet<ExperimentTag> ExperimentTags => Set<ExperimentTag>();

    public DbSet<Run> Runs => Set<Run>();

    public DbSet<RunParam> RunParams => Set<RunParam>();

    public DbSet<RunTag> RunTags => Set<RunTag>();

    public DbSet<RunMetric> RunMetrics => Set<RunMetric>();

    public DbSet<RunLatestMetric> RunLatestMetrics => Set<RunLatestMetric>();

    public DbSet<RunInput> RunInputs => Set<RunInput>();

    public DbSet<RunArtifact> RunArtifacts => Set<RunArtifact>();

    public DbSet<Core.Training.TrainingRun> TrainingRuns => Set<Core.Training.TrainingRun>();

    public DbSet<Core.Training.Hpo.Study> Studies => Set<Core.Training.Hpo.Study>();

    public DbSet<Core.Registry.RegisteredModel> RegisteredModels => Set<Core.Registry.RegisteredModel>();

    public DbSet<Core.Registry.RegisteredModelTag> RegisteredModelTags => Set<Core.Registry.RegisteredModelTag>();

    public DbSet<Core.Registry.ModelVersion> ModelVersions => Set<Core.Registry.ModelVersion>();

    public DbSet<Core.Registry.ModelVersionTag> ModelVersionTags => Set<Core.Registry.ModelVersionTag>();

    public DbSet<Core.Registry.ModelAlias> ModelAliases => Set<Core.Registry.ModelAlias>();

    public DbSet<Core.Registry.ModelFile> ModelFiles => Set<Core.Registry.ModelFile>();

    public DbSet<Core.Registry.StageTransition> StageTransitions => Set<Core.Registry.StageTransition>();

    public DbSet<Core.Serving.ServingEndpoint> ServingEndpoints => Set<Core.Serving.ServingEndpoint>();

    public DbSet<Core.Serving.EndpointEvent> EndpointEvents => Set<Core.Serving.EndpointEvent>();

    public DbSet<Core.Chat.LlmProvider> LlmProviders => Set<Core.Chat.LlmProvider>();

    public DbSet<Core.Chat.LlmModel> LlmModels => Set<Core.Chat.LlmModel>();

    public DbSet<Core.Chat.Conversation> Conversations => Set<Core.Chat.Conversation>();

    public DbSet<Core.Chat.ConversationMessage> ConversationMessages => Set<Core.Chat.ConversationMessage>();

    public DbSet<Core.Chat.LlmUsage> LlmUsage => Set<Core.Chat.LlmUsage>();

    public DbSet<Core.Chat.LlmQuota> LlmQuotas => Set<Core.Chat.LlmQuota>();

    public DbSet<Core.Chat.PromptTemplate> PromptTemplates => Set<Core.Chat.PromptTemplate>();

    public DbSet<Core.Knowledge.KnowledgeBase> KnowledgeBases => Set<Core.Knowledge.KnowledgeBase>();

    public DbSet<Core.Knowledge.KnowledgeDocument> KnowledgeDocuments => Set<Core.Knowledge.KnowledgeDocument>();

    public DbSet<Core.Knowledge.KnowledgeChunk> KnowledgeChunks => Set<Core.Knowledge.KnowledgeChunk>();

    public DbSet<Core.Apps.App> Apps => Set<Core.Apps.App>();

    public DbSet<Core.Apps.AppVersion> AppVersions => Set<Core.Apps.AppVersion>();

    public DbSet<Core.Apps.AppRun> AppRuns => Set<Core.Apps.AppRun>();

    public DbSet<Core.Apps.AppApiKey> AppApiKeys => Set<Core.Apps.AppApiKey>();

    public DbSet<Core.Apps.AppSecret> AppSecrets => Set<Core.Apps.AppSecret>();

    public DbSet<Core.Apps.AppEvaluation> AppEvaluations => Set<Core.Apps.AppEvaluation>();

    public DbSet<Core.Apps.AppDeployment> AppDeployments => Set<Core.Apps.AppDeployment>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<PlatformUser>().ToTable("Users");
        modelBuilder.Entity<PlatformUser>().Property(u => u.DisplayName).HasMaxLength(200);
        modelBuilder.Entity<PlatformUser>().Property(u => u.PreferredCulture).HasMaxLength(16);
        modelBuilder.Entity<IdentityUserClaim<Guid>>().ToTable("UserClaims");
        modelBuilder.Entity<IdentityUserLogin<Guid>>().ToTable("UserLogins");
        modelBuilder.Entity<IdentityUserToken<Guid>>().ToTable("UserTokens");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly);
        SnakeCaseNames.Apply(modelBuilder);
    }
}
