using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Projects;
using AiPlatform.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Health;
using AiPlatform.Infrastructure.Jobs;
using AiPlatform.Infrastructure.Persistence;
using AiPlatform.Infrastructure.Persistence.Stores;
using AiPlatform.Infrastructure.Storage;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Minio;

namespace AiPlatform.Infrastructure;

public static class DependencyInjection
{
    public const string ReadyTag = "ready";

    /// <summary>Registers the adapters chosen by configuration: database, object store, job executor, health checks.</summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.Section)).ValidateOnStart();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .Validate(o => o.Provider != DatabaseProvider.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString), "Database:ConnectionString is required when Database:Provider is Postgres.")
            .ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => o.Provider != StorageProvider.Minio || (!string.IsNullOrWhiteSpace(o.Minio.Endpoint) && !string.IsNullOrWhiteSpace(o.Minio.AccessKey) && !string.IsNullOrWhiteSpace(o.Minio.SecretKey)), "Storage:Minio:Endpoint, AccessKey and SecretKey are required when Storage:Provider is Minio.")
            .ValidateOnStart();
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.Section))
            .Validate(o => o.WorkerCount >= 0 && o.PollInterval > TimeSpan.Zero && o.StaleAfter > o.PollInterval, "Jobs: WorkerCount must be >= 0 and StaleAfter longer than PollInterval.")
            .Validate(o => (o.NodeId ?? string.Empty).Trim() is { Length: <= 200 } id && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'), "Jobs:NodeId must be at most 200 letters, digits, '.', '_' or '-' (it appears in job logs and run errors).")
            .ValidateOnStart();

        var platform = configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var dataDirectory = platform.ResolveDataDirectory();
        Directory.CreateDirectory(dataDirectory);

        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys"))).SetApplicationName("AiPlatform");
        AddDatabase(services, database, dataDirectory);
        AddAccessCache(services, configuration);
        AddIdentity(services, configuration);
        AddObjectStore(services, dataDirectory);
        // Made now, so that the scratch files of dead processes are removed at start; handed out by a factory, so that
        // the container disposes it (releasing this process's scratch folder) with the host.
        var scratch = new FileScratchSpace(dataDirectory);
        services.AddSingleton<IScratchSpace>(_ => scratch);
        services.AddSingleton(new Network.OutboundHostGuard(configuration.GetSection(Network.OutboundOptions.Section).Get<Network.OutboundOptions>() ?? new Network.OutboundOptions()));
        services.AddSingleton<IDatasetEngine>(sp => new DuckDb.DuckDbDatasetEngine(sp.GetRequiredService<SqlSettings>(), dataDirectory));
        var data = configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        services.AddOptions<DataOptions>().Bind(configuration.GetSection(DataOptions.Section)).Validate(o => o.MaxUploadBytes > 0, "Data:MaxUploadBytes must be positive.").ValidateOnStart();
        services.AddSingleton(new DatasetSettings(data.MaxUploadBytes));
        services.AddSingleton(new SqlSettings(data.SqlMaxRows, data.SqlTimeout, data.SqlMemoryLimit));
        AddJobs(services, database, jobs);
        AddTraining(services, configuration, dataDirectory);
        AddServing(services, configuration);
        AddKnowledge(services, configuration, database);
        AddAppEngine(services, configuration); // i18/eng
        AddAppDeployment(services, configuration); // i18/k8s

        // i18/nodes: the app workbench's HTTP request node goes out through the outbound host guard (SSRF allow-list).
        services.AddSingleton<Core.Apps.IAppHttpClient>(sp => new Apps.GuardedAppHttpClient(sp.GetRequiredService<Network.OutboundHostGuard>()));

        services.AddHealthChecks()
            .AddDbContextCheck<PlatformDbContext>("database", tags: [ReadyTag], customTestQuery: (db, ct) => db.Database.CanConnectAsync(ct))
            .AddCheck<ObjectStoreHealthCheck>("object-store", tags: [ReadyTag]);
        return services;
    }

    private static void AddKnowledge(IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        var knowledge = configuration.GetSection(Knowledge.KnowledgeOptions.Section).Get<Knowledge.KnowledgeOptions>() ?? new Knowledge.KnowledgeOptions();
        if (knowledge.VectorStore == Knowledge.VectorStoreKind.Pgvector)
        {
            var connection = !string.IsNullOrWhiteSpace(knowledge.PgvectorConnectionString)
                ? knowledge.PgvectorConnectionString
                : database.Provider == DatabaseProvider.Postgres
                    ? database.ConnectionString!
                    : throw new InvalidOperationException("Knowledge:VectorStore is Pgvector: set Knowledge:PgvectorConnectionString (or run the platform on PostgreSQL with the pgvector extension).");
            services.AddSingleton<Core.Knowledge.IExternalVectorStore>(sp => new Knowledge.PgvectorStore(connection, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Knowledge.PgvectorStore>>()));
        }
    }

    private static void AddTraining(IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        var training = configuration.GetSection("Training").Get<Core.Training.TrainingSettings>() ?? new Core.Training.TrainingSettings();
        services.Replace(ServiceDescriptor.Singleton(training));
        services.AddSingleton<Core.Training.IBuiltInTrainer, Training.MlNetTrainer>();
        var sandbox = configuration.GetSection(Training.LocalSandboxOptions.Section).Get<Training.LocalSandboxOptions>() ?? new Training.LocalSandboxOptions();
        services.AddSingleton(sandbox);
        services.AddSingleton<Core.Training.ITrainingBackend>(sp => new Training.LocalProcessBackend(training, sandbox, dataDirectory, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Training.LocalProcessBackend>>(), sp.GetRequiredService<Network.OutboundHostGuard>()));
        services.AddSingleton<Core.Training.ITrainingStore, EfTrainingStore>();
        services.AddHostedService<Training.TrainingQueueService>();
        var kubernetes = configuration.GetSection("Training:Kubernetes").Get<Training.KubernetesTrainingOptions>() ?? new Training.KubernetesTrainingOptions();
        if (kubernetes.Enabled)
        {
            if (kubernetes.ApiErrorTolerance < TimeSpan.Zero || kubernetes.ApiErrorTolerance > TimeSpan.FromHours(1))
            {
                throw new InvalidOperationException($"Training:Kubernetes:ApiErrorTolerance must be between 00:00:00 and 01:00:00 (hh:mm:ss), not {kubernetes.ApiErrorTolerance}.");
            }

            services.AddSingleton(kubernetes);
            services.AddSingleton<k8s.IKubernetes>(_ => new k8s.Kubernetes(
                !string.IsNullOrWhiteSpace(kubernetes.Host) ? new k8s.KubernetesClientConfiguration { Host = kubernetes.Host }
                : k8s.KubernetesClientConfiguration.IsInCluster() ? k8s.KubernetesClientConfiguration.InClusterConfig()
                : k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile()));
            services.AddSingleton<Core.Training.ITrainingBackend, Training.KubernetesBackend>();
        }
    }

    private static void AddServing(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<Core.Chat.IChatStore, EfChatStore>();
        services.AddHttpClient(nameof(Chat.OpenAiConnector), c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Network.OutboundHostGuard>().CreateHandler());

        // The SDK's own NetworkTimeout governs chat and embedding calls (streamed answers run long).
        services.AddHttpClient(Chat.OpenAiConnector.SdkClient, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Network.OutboundHostGuard>().CreateHandler());
        var chat = configuration.GetSection(Chat.ChatProviderOptions.Section).Get<Chat.ChatProviderOptions>() ?? new Chat.ChatProviderOptions();
        // A TimeSpan setting written as a bare number ("100") binds as days: the bounds catch that as well.
        if (chat.ProviderTimeout < TimeSpan.FromSeconds(1) || chat.ProviderTimeout > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException($"Chat:ProviderTimeout must be between 00:00:01 and 01:00:00 (hh:mm:ss), not {chat.ProviderTimeout}.");
        }

        services.AddSingleton(chat);
        services.AddSingleton<Core.Chat.ILlmConnector, Chat.OpenAiConnector>();
        services.AddSingleton<Core.Knowledge.IKnowledgeStore, EfKnowledgeStore>();
        services.AddSingleton<Core.Knowledge.ITextExtractor, Knowledge.DocumentTextExtractor>();
        services.AddSingleton<Core.Knowledge.ILocalEmbedder, Knowledge.MiniLmEmbedder>();
        services.AddSingleton<Core.Knowledge.IIndexSnapshotStore, Knowledge.FileIndexSnapshotStore>();
        services.AddHostedService<Knowledge.KnowledgeLanguageBackfillService>();
        services.AddSingleton<Core.Serving.IEndpointStore, EfEndpointStore>();
        services.AddSingleton<Serving.OnnxRuntimeHost>();
        services.AddSingleton<Core.Serving.IInferenceRuntime>(sp => sp.GetRequiredService<Serving.OnnxRuntimeHost>());
        services.AddHostedService<Serving.ServingReconciler>();
        services.AddHttpClient(nameof(Serving.TritonDeployer), c => c.Timeout = TimeSpan.FromSeconds(5));
        services.AddHttpClient(Serving.TritonInferenceForwarder.ClientName, c => c.Timeout = TimeSpan.FromSeconds(60));
        services.AddSingleton<Core.Serving.IInferenceForwarder, Serving.TritonInferenceForwarder>();
        var triton = configuration.GetSection("Serving:Kubernetes").Get<Serving.TritonOptions>() ?? new Serving.TritonOptions();
        if (triton.Enabled && (triton.ReadinessTimeout <= TimeSpan.Zero || triton.ReadinessTimeout > TimeSpan.FromHours(24)))
        {
            throw new InvalidOperationException($"Serving:Kubernetes:ReadinessTimeout must be between 00:00:00 (exclusive) and 1.00:00:00 ([d.]hh:mm:ss), not {triton.ReadinessTimeout}.");
        }

        services.AddSingleton(triton);
        services.AddSingleton<Core.Serving.ITritonDeployer>(sp => new Serving.TritonDeployer(
            triton.Enabled
                ? new k8s.Kubernetes(!string.IsNullOrWhiteSpace(triton.Host) ? new k8s.KubernetesClientConfiguration { Host = triton.Host }
                    : k8s.KubernetesClientConfiguration.IsInCluster() ? k8s.KubernetesClientConfiguration.InClusterConfig()
                    : k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile())
                : null,
            triton,
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Serving.TritonDeployer>>()));
    }

    /// <summary>
    /// Applies pending migrations of the configured provider (embedded default and the migration Job), then
    /// brings the system roles up to date and creates the administrator on an empty platform.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<PlatformDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            if (db.Database.IsNpgsql())
            {
                await PostgresFirstStart.PrepareAsync(db, ct);
            }

            else if (db.Database.IsSqlite())
            {
                await Persistence.SqliteConnectionSetup.EnableWriteAheadLogAsync(db, ct);
            }

            await db.Database.MigrateAsync(ct);
            await Persistence.AccessStamps.AccessStampRow.EnsureAsync(db, ct);
        }

        await services.GetRequiredService<AccessBootstrapper>().RunAsync(ct);
    }

    /// <summary>Cookie sign-in for the web host: Identity's sign-in manager and the account service built on it.</summary>
    public static IServiceCollection AddInfrastructureSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PlatformSignInOptions>().Bind(configuration.GetSection(PlatformSignInOptions.Section));
        new IdentityBuilder(typeof(PlatformUser), services).AddSignInManager().AddClaimsPrincipalFactory<PlatformClaimsFactory>();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        services.AddScoped<IAccountService, IdentityAccountService>();
        services.AddSingleton<ISignInSettingsProvider, ConfiguredSignInSettings>();
        return services;
    }

    private static void AddIdentity(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<Core.Preferences.IUserPreferenceStore, IdentityUserPreferenceStore>();
        services.AddScoped<Core.Dashboard.IInitialPasswordCheck, IdentityInitialPasswordCheck>();
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.UserName), "Admin:UserName must not be empty.")
            .ValidateOnStart();
        services.AddIdentityCore<PlatformUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = false;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
            })
            .AddEntityFrameworkStores<PlatformDbContext>()
            .AddDefaultTokenProviders();
        services.Configure<IdentityOptions>(configuration.GetSection("Identity"));
        services.AddScoped<IUserDirectory, IdentityUserDirectory>();
        services.AddSingleton<AccessBootstrapper>();
    }

    /// <summary>The node's access cache, the stamp poller that keeps it in step with other nodes and the token last-use flush.</summary>
    private static void AddAccessCache(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Persistence.AccessStamps.AccessCacheOptions.Section);
        services.AddOptions<Persistence.AccessStamps.AccessCacheOptions>().Bind(section)
            .Validate(o => o.PollMilliseconds is >= 10 and <= 60_000, "Platform:AccessCache:PollMilliseconds must be between 10 and 60000.")
            .Validate(o => o.MaxEntries is >= 100 and <= 10_000_000, "Platform:AccessCache:MaxEntries must be between 100 and 10000000.")
            .ValidateOnStart();
        var options = section.Get<Persistence.AccessStamps.AccessCacheOptions>() ?? new Persistence.AccessStamps.AccessCacheOptions();
        services.Replace(ServiceDescriptor.Singleton(new AccessCacheSettings(options.Enabled, options.MaxEntries)));
        if (options.Enabled)
        {
            services.AddHostedService<Persistence.AccessStamps.AccessStampPoller>();
        }

        services.AddHostedService<TokenUsageFlusher>();
    }

    private static void AddDatabase(IServiceCollection services, DatabaseOptions database, string dataDirectory)
    {
        services.AddSingleton<Persistence.AccessStamps.AccessStampInterceptor>();
        if (database.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextFactory<PostgresPlatformDbContext>((sp, o) => o.UseNpgsql(database.ConnectionString).AddInterceptors(sp.GetRequiredService<Persistence.AccessStamps.AccessStampInterceptor>()));
            services.AddSingleton<IDbContextFactory<PlatformDbContext>, PlatformDbContextFactory<PostgresPlatformDbContext>>();
        }
        else
        {
            var connection = string.IsNullOrWhiteSpace(database.ConnectionString)
                ? $"Data Source={Path.Combine(dataDirectory, "aiplatform.db")};Pooling=True"
                : database.ConnectionString;
            services.AddSingleton<Persistence.SqliteConnectionSetup>();
            services.AddDbContextFactory<SqlitePlatformDbContext>((sp, o) => o.UseSqlite(connection).AddInterceptors(sp.GetRequiredService<Persistence.AccessStamps.AccessStampInterceptor>(), sp.GetRequiredService<Persistence.SqliteConnectionSetup>()));
            services.AddSingleton<IDbContextFactory<PlatformDbContext>, PlatformDbContextFactory<SqlitePlatformDbContext>>();
        }

        services.AddScoped<PlatformDbContext>(sp => sp.GetRequiredService<IDbContextFactory<PlatformDbContext>>().CreateDbContext());
        services.AddSingleton<IJobStore, EfJobStore>();
        services.AddSingleton<IStorageUsageStore, EfStorageUsageStore>();
        services.AddSingleton<IAccessStore, EfAccessStore>();
        services.AddSingleton<IAuditStore, EfAuditStore>();
        services.AddSingleton<IApiTokenStore, EfApiTokenStore>();
        services.AddSingleton<IProjectStore, EfProjectStore>();
        services.AddSingleton<IDatasetStore, EfDatasetStore>();
        services.AddSingleton<Core.Tracking.ITrackingStore, EfTrackingStore>();
        services.AddSingleton<Core.Tracking.ILoggedModelStore, EfLoggedModelStore>();
        services.AddSingleton<Core.Tracing.ITraceStore, EfTraceStore>();
        services.AddSingleton<Core.Registry.IRegistryStore, EfRegistryStore>();
        services.AddSingleton<Core.Registry.IModelInspector, Registry.ModelInspector>();
        services.AddSingleton<IDataSourceStore, EfDataSourceStore>();

        // i18/api: the app workbench's store, document format and the sweep of runs a dead process left.
        services.AddSingleton<Core.Apps.IAppStore, EfAppStore>();
        services.AddSingleton<Core.Apps.IAppDocumentFormat, Apps.YamlAppDocumentFormat>();
        services.AddHostedService<Apps.AbandonedAppRunSweep>();
        // end i18/api

        // i18/eval: the evaluations' store.
        services.AddSingleton<Core.Apps.IAppEvaluationStore, EfAppEvaluationStore>();
        // end i18/eval
        // i18/mon: monitoring's read of app runs.
        services.AddSingleton<Core.Apps.IAppMonitoringStore, EfAppMonitoringStore>();
        // end i18/mon
        services.AddSingleton<DataSources.S3SourceConnector>();
        services.AddSingleton<DataSources.KafkaSourceConnector>();
        services.AddSingleton<IDatabaseConnector, DataSources.SourceConnector>();
        services.AddSingleton<ISecretProtector, DataSources.DataProtectionSecretProtector>();
    }

    private static void AddObjectStore(IServiceCollection services, string dataDirectory)
    {
        services.AddHttpClient(nameof(MinioObjectStore));
        services.AddSingleton<IObjectStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (options.Provider == StorageProvider.FileSystem)
            {
                return new FileSystemObjectStore(options.RootPath is { Length: > 0 } root ? Path.GetFullPath(root) : Path.Combine(dataDirectory, "objects"));
            }

            var minio = options.Minio;
            var client = new MinioClient()
                .WithEndpoint(minio.Endpoint)
                .WithCredentials(minio.AccessKey, minio.SecretKey)
                .WithRegion(minio.Region)
                .WithSSL(minio.UseSsl)
                .Build();
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(MinioObjectStore));
            return new MinioObjectStore(client, http, minio.Bucket, Path.Combine(dataDirectory, "tmp"));
        });
    }

    private static void AddJobs(IServiceCollection services, DatabaseOptions database, JobsOptions jobs)
    {
        // Running jobs from before nodes were recorded can only be this node's in the embedded SQLite default.
        services.AddSingleton(new JobSettings(jobs.PollInterval, jobs.StaleAfter, JobNode.ThisProcess(jobs.NodeId), SettleUnownedAtStart: database.Provider == DatabaseProvider.Sqlite));
        services.AddSingleton<IJobDispatcher, HangfireJobDispatcher>();
        services.AddScoped<RunPlatformJob>();
        services.AddScoped<EnqueueScheduledJob>();
        services.AddScoped<RunScheduledImport>();
        services.AddSingleton<IRecurringScheduler, HangfireRecurringScheduler>();
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (database.Provider == DatabaseProvider.Postgres)
            {
                config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(database.ConnectionString), new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true });
            }
            else
            {
                config.UseInMemoryStorage();
            }
        });
        if (jobs.WorkerCount > 0)
        {
            services.AddHangfireServer(o => o.WorkerCount = jobs.WorkerCount);
        }

        services.AddHostedService<JobStartupService>();
        services.AddHostedService<JobSweepService>();
    }

    // i18/eng: app workbench limits (Apps:*) and the code/template sandboxes.
    private static void AddAppEngine(IServiceCollection services, IConfiguration configuration)
    {
        var apps = configuration.GetSection("Apps").Get<Core.Apps.AppSettings>() ?? new Core.Apps.AppSettings();
        if (apps.NodeTimeoutSeconds < 1 || apps.RunTimeoutSeconds < 1 || apps.MaxIterations < 1 || apps.MaxParallelism < 1 || apps.MaxSubAppDepth < 0
            || apps.Code.TimeoutMs < 1 || apps.Code.MemoryBytes < 1024 * 1024 || apps.Code.MaxRecursion < 1 || apps.Code.MaxStatements < 1 || apps.MaxTemplateOutputChars < 1)
        {
            throw new InvalidOperationException("Apps:* limits must be positive (Apps:Code:MemoryBytes at least 1 MB).");
        }

        services.Replace(ServiceDescriptor.Singleton(apps));
        services.AddSingleton<Core.Apps.IScriptRunner, Apps.JintScriptRunner>();
        services.AddSingleton<Core.Apps.ITemplateRenderer, Apps.FluidTemplateRenderer>();
    }

    // end i18/eng

    // i18/k8s: app runners on Kubernetes (Apps:Kubernetes:*, checked here so a wrong setting stops the host at start).
    private static void AddAppDeployment(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(Apps.AppKubernetesOptions.Section).Get<Apps.AppKubernetesOptions>() ?? new Apps.AppKubernetesOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<Core.Apps.IAppDeploymentStore, EfAppDeploymentStore>();
        services.AddSingleton<Core.Apps.IAppDeployer>(sp => new Apps.KubernetesAppDeployer(
            options.Enabled
                ? new k8s.Kubernetes(!string.IsNullOrWhiteSpace(options.Host) ? new k8s.KubernetesClientConfiguration { Host = options.Host }
                    : k8s.KubernetesClientConfiguration.IsInCluster() ? k8s.KubernetesClientConfiguration.InClusterConfig()
                    : k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile())
                : null,
            options,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Apps.KubernetesAppDeployer>>()));
    }
}
