using AiPlatform.Core;
using AiPlatform.Infrastructure;
using AiPlatform.Infrastructure.Identity;
using AiPlatform.Web;
using AiPlatform.Web.Api;
using AiPlatform.Web.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformLogging();
builder.AddManagementUrls();
builder.Services.AddCore();
builder.Services.AddInfrastructure(builder.Configuration);
builder.Services.AddInfrastructureSignIn(builder.Configuration);
builder.Services.AddWeb(builder.Configuration);
builder.Services.AddPlatformSecurity(builder.Configuration).AddPlatformOidc(builder.Configuration);

// i18/k8s: an app runner (Platform:Role=AppRunner) serves only published app runs, health and metrics.
var appRunner = builder.Configuration.IsAppRunner();
if (appRunner)
{
    builder.Services.AddAppRunnerRole();
}

// Disposed on every way out (also --migrate-only and a failed start), so the background log writer is drained.
await using var app = builder.Build();
if (args.Contains("--migrate-only"))
{
    await app.Services.MigrateDatabaseAsync();
    return;
}

if (appRunner)
{
    app.UseWeb();
    app.MapAppRunner();
    await app.RunAsync();
    return;
}
// end i18/k8s

await app.PrepareDatabaseAsync();
app.UseWeb();
app.MapApi();
app.MapWebPages();
await app.RunAsync();

public partial class Program;
