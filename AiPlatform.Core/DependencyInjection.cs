using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Dashboard;
using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AiPlatform.Core;

public static class DependencyInjection
{
    /// <summary>Registers the Core services and the built-in job handlers.</summary>
    public static IServiceCollection AddCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(JobSettings.Default);
        services.AddScoped<JobHandlerRegistry>();
        services.AddSingleton<JobCancellationRegistry>();
        services.AddSingleton<JobMetrics>();
        services.AddScoped<JobService>();
        services.AddScoped<JobRunner>();
        services.AddScoped<JobRecovery>();
        services.AddScoped<DashboardService>();
        services.AddScoped<AccessService>();
        services.AddScoped<AuditRecorder>();
        services.AddScoped<AuditService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<RoleService>();
        services.AddScoped<GroupService>();
        services.AddScoped<SharingService>();
        services.AddScoped<PermissionsService>();
        services.AddScoped<ApiTokenService>();
        services.AddScoped<ProjectService>();
        services.AddScoped<UserDirectoryLookup>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<ProjectService>());
        services.TryAddSingleton(DatasetSettings.Default);
        services.AddScoped<DatasetService>();
        services.TryAddSingleton(SqlSettings.Default);
        services.AddScoped<SqlConsoleService>();
        services.AddScoped<DataSourceService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<DataSourceService>());
        services.AddScoped<IJobHandler, ImportDatasetHandler>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<DatasetService>());
        services.AddScoped<IJobHandler, StorageScanHandler>();
        services.AddScoped<IJobHandler, StagingCleanupHandler>();
        services.AddScoped<IJobHandler, ProfileDatasetHandler>();
        services.AddScoped<Tracking.TrackingAudit>();
        services.AddScoped<Tracking.ExperimentService>();
        services.AddScoped<Tracking.RunService>();
        services.AddScoped<Tracking.RunInputService>();
        services.AddScoped<Tracking.ArtifactService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Tracking.ExperimentService>());
        services.TryAddSingleton(new Training.TrainingSettings());
        services.AddScoped<Training.TrainingQueue>();
        services.AddScoped<Training.TrainingService>();
        services.AddScoped<Training.Hpo.StudyService>();
        services.AddScoped<Registry.RegistryService>();
        services.AddScoped<Chat.ProviderService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Chat.ProviderService>());
        services.AddScoped<Chat.ChatService>();
        services.AddScoped<Chat.PromptTemplateService>();
        services.AddSingleton<Knowledge.KnowledgeIndexCache>();
        services.AddScoped<Knowledge.IEmbedderFactory, Knowledge.EmbedderFactory>();
        services.AddScoped<Knowledge.KnowledgeService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Knowledge.KnowledgeService>());
        services.AddScoped<IJobHandler, Knowledge.IngestDocumentHandler>();
        services.AddScoped<Chat.ChatUsageService>();
        services.AddSingleton<Serving.ServingMetrics>();
        services.AddSingleton<Serving.EndpointRouter>();
        services.AddSingleton<Serving.PayloadLog>();
        services.AddScoped<Serving.EndpointHistory>();
        services.AddScoped<Serving.EndpointReader>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Serving.EndpointReader>());
        services.AddScoped<Serving.EndpointLoader>();
        services.AddScoped<Serving.InferenceService>();
        services.AddScoped<Serving.DeploymentService>();
        services.AddScoped<Serving.RolloutService>();
        services.AddScoped<Serving.EndpointReconciler>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Registry.RegistryService>());
        services.AddScoped<IJobHandler, Training.TrainingJobHandler>();
        return services;
    }
}
