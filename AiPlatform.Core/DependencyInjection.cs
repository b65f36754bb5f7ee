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
        services.AddScoped<FirstRunChecklistService>();
        services.AddScoped<Preferences.UserPreferenceService>();
        services.TryAddSingleton(AccessCacheSettings.Default);
        services.AddSingleton<AccessCache>();
        services.AddSingleton<TokenUsageRecorder>();
        services.AddScoped<AccessService>();
        services.AddScoped<AuditRecorder>();
        services.AddScoped<AuditService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<RoleService>();
        services.AddScoped<GroupService>();
        services.AddScoped<SharingService>();
        services.AddScoped<PermissionsService>();
        services.AddScoped<ObjectNames>();
        services.AddScoped<ApiTokenService>();
        services.AddScoped<ProjectService>();
        services.AddScoped<UserDirectoryLookup>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<ProjectService>());
        services.TryAddSingleton(DatasetSettings.Default);
        services.AddScoped<DatasetService>();
        services.AddScoped<DatasetVersionWriter>();
        services.AddScoped<DatasetAnalysisService>();
        services.AddScoped<DatasetQueryService>();
        services.TryAddSingleton(SqlSettings.Default);
        services.AddScoped<SqlConsoleService>();
        services.AddScoped<DataSourceService>();
        services.AddScoped<DataSourceImportService>();
        services.AddScoped<ImportScheduleService>();
        services.AddScoped<ScheduledImportRunner>();
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
        services.AddScoped<Tracking.LoggedModelService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Tracking.ExperimentService>());
        services.TryAddSingleton(new Training.TrainingSettings());
        services.AddScoped<Training.TrainingQueue>();
        services.AddScoped<Training.TrainingService>();
        services.AddScoped<Training.TrainingRequestValidator>();
        services.AddScoped<Training.TrainingRunCreator>();
        services.AddScoped<Training.TrainingSubmitService>();
        services.AddScoped<Training.TrainingFileService>();
        services.AddScoped<Training.BuiltInTrainingRunner>();
        services.AddScoped<Training.CustomTrainingRunner>();
        services.AddScoped<Training.Hpo.StudyService>();
        services.AddScoped<Registry.RegistryService>();
        services.AddScoped<Registry.ModelVersionService>();
        services.AddScoped<Registry.ModelVersionWriter>();
        services.AddScoped<Registry.ModelRegistrar>();
        services.AddSingleton<Chat.LlmCatalog>();
        services.AddScoped<Chat.ProviderService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Chat.ProviderService>());
        services.AddScoped<Chat.ChatService>();
        services.AddScoped<Chat.GatewayService>();
        services.AddSingleton<Tracing.PlatformTraceWriter>();
        services.AddScoped<Tracing.PlatformTraces>();
        services.AddScoped<Tracing.TraceService>();
        services.AddScoped<Chat.PromptTemplateService>();
        services.AddSingleton<Knowledge.KnowledgeIndexCache>();
        services.AddScoped<Knowledge.IEmbedderFactory, Knowledge.EmbedderFactory>();
        services.AddScoped<Knowledge.KnowledgeService>();
        services.AddScoped<Knowledge.KnowledgeIndexer>();
        services.AddSingleton<Knowledge.KnowledgeLanguageBackfill>();
        services.AddScoped<Knowledge.KnowledgeDocumentService>();
        services.AddScoped<Knowledge.KnowledgeRetrievalService>();
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
        services.AddScoped<Serving.EndpointForwarder>();
        services.AddScoped<Serving.DeploymentService>();
        services.AddScoped<Serving.RolloutService>();
        services.AddScoped<Serving.EndpointReconciler>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Registry.RegistryService>());
        services.AddScoped<IJobHandler, Training.TrainingJobHandler>();

        // i18/eng: the app workbench's engine and its control/data node executors.
        services.TryAddSingleton(new Apps.AppSettings());
        services.AddScoped<Apps.Runtime.IAppTraceSink, Apps.Runtime.PlatformAppTraceSink>();
        services.AddScoped<Apps.IAppEngine, Apps.Runtime.AppEngine>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.StartNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.EndNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.AnswerNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.TemplateNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.CodeNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.IfElseNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.SwitchNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.IterationNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.LoopNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.AggregatorNode>();
        // end i18/eng

        // i18/nodes: the app workbench's nodes that call platform services (gateway, knowledge, serving, SQL, HTTP, sub-apps).
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.LlmNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.KnowledgeNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.InferenceNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.SqlNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.HttpNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.ClassifierNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.ExtractorNode>();
        services.AddScoped<Apps.IAppNodeExecutor, Apps.Nodes.SubAppNode>();
        // end i18/nodes

        // i18/api: apps, their versions and runs.
        services.AddScoped<Apps.AppService>();
        services.AddScoped<ISecurableLookup>(sp => sp.GetRequiredService<Apps.AppService>());
        services.AddScoped<Apps.AppReferenceCheck>();
        services.AddScoped<Apps.AppVersionService>();
        services.AddScoped<Apps.AppRunService>();
        services.AddSingleton<Apps.AppRunRegistry>();
        services.AddSingleton<Apps.AppRunLimiter>();
        services.AddSingleton<Apps.AppRunRecorder>();
        // end i18/api
        // i18/keys
        services.AddScoped<Apps.AppKeyService>();
        services.AddScoped<Apps.AppSecretService>();
        services.AddSingleton<Apps.AppSecretReader>();
        services.AddSingleton<Apps.AppKeyRateLimiter>();
        services.AddScoped<Apps.AppGatewayService>();
        // end i18/keys

        // i18/k8s: deploying apps to Kubernetes (the IAppDeployer and IAppDeploymentStore are Infrastructure's).
        services.AddScoped<Apps.AppDeploymentService>();
        // end i18/k8s

        // i18/eval: evaluations of app versions over datasets (job app.evaluate).
        services.AddScoped<Apps.AppEvaluationService>();
        services.AddScoped<IJobHandler, Apps.AppEvaluationHandler>();
        // end i18/eval

        // i18/mon: app monitoring and the apps' Prometheus meter.
        services.AddScoped<Apps.AppMonitoringService>();
        services.AddSingleton<Apps.AppMetrics>();
        // end i18/mon
        return services;
    }
}
