using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Text.Json.Serialization;
using AiPlatform.Infrastructure;
using AiPlatform.Infrastructure.Persistence;
using AiPlatform.Web.Api;
using AiPlatform.Web.Api.OpenAi;
using AiPlatform.Web.Components;
using AiPlatform.Web.Features.Localization;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Account;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Observability;
using AiPlatform.Web.Security;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Prometheus;
using Scalar.AspNetCore;
using Serilog;
using Serilog.Formatting.Compact;

namespace AiPlatform.Web;

public static class WebHostExtensions
{
    public static readonly CultureInfo[] SupportedCultures = [new("en"), new("zh-CN")];

    /// <summary>Serilog to the console and a rolling file in the data folder; JSON when <c>Logging:Format</c> is <c>Json</c>.</summary>
    public static void AddPlatformLogging(this WebApplicationBuilder builder)
    {
        var platform = builder.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();
        var logFolder = Path.Combine(platform.ResolveDataDirectory(), "logs");
        var json = string.Equals(builder.Configuration["Logging:Format"], "Json", StringComparison.OrdinalIgnoreCase);
        builder.Services.AddSerilog((services, logger) =>
        {
            // The code's defaults first, then the operator's Serilog:* settings, so that a configured level wins.
            logger.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", Serilog.Events.LogEventLevel.Warning)
                .MinimumLevel.Override("Hangfire", Serilog.Events.LogEventLevel.Warning)

                // IHttpClientFactory logs four lines at Information per outgoing request, that is per object read or written on S3.
                .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Information)
                .ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext();
            const string template = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} {CorrelationId}{NewLine}{Exception}";

            // The sinks write on a background thread: a request only queues its line, and no request waits on the
            // console's lock or the file. The queue blocks rather than drops when full, and disposing the logger (with
            // the host) drains it, so no line is lost at shutdown.
            logger.WriteTo.Async(
                sinks =>
                {
                    if (json)
                    {
                        sinks.Console(new CompactJsonFormatter())
                            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(logFolder, "aiplatform-.json"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14);
                    }
                    else
                    {
                        sinks.Console(outputTemplate: template, formatProvider: CultureInfo.InvariantCulture)
                            .WriteTo.File(Path.Combine(logFolder, "aiplatform-.log"), outputTemplate: "{Timestamp:o} " + template, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, formatProvider: CultureInfo.InvariantCulture);
                    }
                },
                blockWhenFull: true);
        });
    }

    /// <summary>
    /// Adds <c>Observability:ManagementUrls</c> to the listen URLs (next to <c>ASPNETCORE_URLS</c>/<c>--urls</c>, or
    /// <c>ASPNETCORE_HTTP_PORTS</c>, or Kestrel's default), so metrics can be scraped on a port the Ingress does not expose.
    /// </summary>
    public static void AddManagementUrls(this WebApplicationBuilder builder)
    {
        var management = builder.Configuration[$"{ObservabilityOptions.Section}:{nameof(ObservabilityOptions.ManagementUrls)}"];
        if (string.IsNullOrWhiteSpace(management))
        {
            return;
        }

        var split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        var urls = (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) ?? string.Empty).Split(';', split).ToList();
        if (urls.Count == 0)
        {
            urls.AddRange((builder.WebHost.GetSetting("http_ports") ?? string.Empty).Split(';', split).Select(p => $"http://*:{p}"));
            urls.AddRange((builder.WebHost.GetSetting("https_ports") ?? string.Empty).Split(';', split).Select(p => $"https://*:{p}"));
        }

        if (urls.Count == 0)
        {
            urls.Add("http://localhost:5000");
        }

        builder.WebHost.UseUrls([.. urls, .. management.Split(';', split)]);
    }

    /// <summary>
    /// MudBlazor's app-wide settings: toasts at the bottom centre, where they cover none of the top-right page actions
    /// (nor the chat's Send button at the bottom right).
    /// </summary>
    public static void ConfigureMud(MudBlazor.Services.MudServicesConfiguration configuration)
    {
        configuration.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomCenter;
        configuration.SnackbarConfiguration.PreventDuplicates = false;
        configuration.SnackbarConfiguration.VisibleStateDuration = 5000;
    }

    public static IServiceCollection AddWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(ConfigureMud);
        services.AddTransient<MudBlazor.MudLocalizer, Components.Shared.PlatformMudLocalizer>();
        services.AddSingleton<SafeHtml>();

        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddOpenAiErrors(); // before AddProblemDetails: /v1 refusals in OpenAI's shape
        services.AddProblemDetails(ProblemDetailsSetup.Configure);
        services.AddExceptionHandler<PlatformExceptionHandler>();
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "AiPlatform API";
            doc.Info.Description = "REST API of AiPlatform. Errors are RFC 7807 problem details.";
            return Task.CompletedTask;
        }));
        services.AddHttpContextAccessor();
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddHostedService<PlatformMeterExporter>();
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = false;
        });
        services.AddOptions<ObservabilityOptions>().Bind(configuration.GetSection(ObservabilityOptions.Section));
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("en");
            o.SupportedCultures = SupportedCultures;
            o.SupportedUICultures = SupportedCultures;
            o.ApplyCurrentCultureToResponseHeaders = true;
        });
        return services;
    }

    /// <summary>Applies migrations in the embedded default (or when configured), before anything reads the database.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await app.Services.MigrateDatabaseAsync();
        }
    }

    /// <summary>The platform's own address for processes on this machine: the first listen URL with a wildcard host made loopback.</summary>
    internal static string? LoopbackUrl(IEnumerable<string> addresses)
    {
        var first = addresses.OrderBy(a => a.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? 1 : 0).FirstOrDefault();
        if (first is null)
        {
            return null;
        }

        foreach (var wildcard in new[] { "://0.0.0.0", "://[::]", "://+", "://*" })
        {
            first = first.Replace(wildcard, "://127.0.0.1", StringComparison.Ordinal);
        }

        return first.TrimEnd('/');
    }

    public static void UseWeb(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var data = app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value.ResolveDataDirectory();
            app.Logger.LogInformation("AiPlatform is ready at {Urls} (data folder: {DataDirectory})", string.Join(", ", addresses), data);
            var training = app.Services.GetRequiredService<AiPlatform.Core.Training.TrainingSettings>();
            training.TrackingUri ??= LoopbackUrl(addresses);
        });
        app.UseMiddleware<CorrelationIdMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<MetricsAccessMiddleware>();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var slow = app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value.SlowRequestMilliseconds;
        app.UseSerilogRequestLogging(o => o.GetLevel = (ctx, elapsed, ex) => RequestLogLevel.For(ctx, elapsed, ex, slow));
        app.UseRequestLocalization();
        app.UseHttpMetrics();
        app.UsePlatformSecurity();
        app.UseAntiforgery();
    }

    /// <summary>
    /// The API reference works offline and stays the platform's own: no fonts from a CDN, no vendor buttons (Ask AI,
    /// client/SDK generator, developer toolbar with Deploy), no MCP, no telemetry, and requests go straight to the platform.
    /// </summary>
    internal static void ConfigureApiReference(ScalarOptions o) => o
        .WithTitle("AiPlatform API")
        .WithOpenApiRoutePattern("/openapi/{documentName}.json")
        .DisableDefaultFonts()
        .DisableAgent()
        .DisableMcp()
        .DisableTelemetry()
        .HideClientButton()
        .HideDeveloperTools()
        .WithFavicon("/favicon.svg");

    public static void MapWebPages(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        // Blazor's own "frame-ancestors 'self'" header would replace the platform's whole policy (SecurityHeadersMiddleware
        // keeps a policy an endpoint set), so it is off: the platform's policy says frame-ancestors 'none'.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        app.MapCultureEndpoints();
        app.MapAccountEndpoints();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(DependencyInjection.ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymous();
        if (app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value.MetricsEnabled)
        {
            // Who may scrape is decided by MetricsAccessMiddleware (management port or scrape token), not by sign-in.
            app.MapMetrics("/metrics").AllowAnonymous();
        }

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api/docs", ConfigureApiReference);
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { DashboardTitle = "AiPlatform jobs", AppPath = "/jobs", Authorization = [] })
            .RequireAuthorization(CapabilityPolicyProvider.For(Capabilities.JobsManage));
    }

    // ---- i18/k8s: the app-runner role (Platform:Role=AppRunner) ------------------------------------------------------
    // A runner pod deployed for one app (KubernetesAppDeployer) answers only POST /api/v1/apps/{slug}/run of published
    // versions (for Platform:AppRunner:App when set, 404 for any other app), /health/* and /metrics (management port or
    // scrape token, as on the web host); no pages, no other API, no job workers, no migrations.

    public const string AppRunnerRole = "AppRunner";

    /// <summary>True when this process is an app runner (<c>Platform:Role=AppRunner</c>).</summary>
    public static bool IsAppRunner(this IConfiguration configuration) =>
        string.Equals(configuration["Platform:Role"], AppRunnerRole, StringComparison.OrdinalIgnoreCase);

    /// <summary>The background services a runner keeps: access-grant freshness, token usage and its metrics. Job workers, reconcilers and sweeps stay on the web host.</summary>
    private static readonly string[] AppRunnerHostedServices = ["AccessStampPoller", "TokenUsageFlusher", nameof(PlatformMeterExporter)];

    public static void AddAppRunnerRole(this IServiceCollection services)
    {
        foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService)
            && !AppRunnerHostedServices.Contains((d.ImplementationType ?? d.ImplementationInstance?.GetType())?.Name)).ToList())
        {
            services.Remove(hosted);
        }
    }

    public static void MapAppRunner(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(DependencyInjection.ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymous();
        if (app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value.MetricsEnabled)
        {
            app.MapMetrics("/metrics").AllowAnonymous();
        }

        // Everything else (pages, other API, files) answers 404 here, before sign-in is asked for.
        app.MapFallback("{**path}", () => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "An app runner serves only POST /api/v1/apps/{slug}/run.", type: ProblemTypes.For("not-found")))
            .AllowAnonymous()
            .ExcludeFromDescription();

        var only = app.Configuration["Platform:AppRunner:App"];
        var run = app.MapAppRunEndpoint();
        if (!string.IsNullOrWhiteSpace(only))
        {
            run.AddEndpointFilter(async (context, next) =>
                string.Equals(context.HttpContext.GetRouteValue("slug") as string, only, StringComparison.Ordinal)
                    ? await next(context)
                    : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "This runner serves only the app '" + only + "'.", type: ProblemTypes.For("not-found")));
        }
    }
    // ---- end i18/k8s -------------------------------------------------------------------------------------------------
}
