using AiPlatform.Core.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>The whole app in the embedded default (SQLite, local objects, in-process jobs) on a temporary data folder.</summary>
public sealed class PlatformWebFactory(string? dataDirectory = null) : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = dataDirectory ?? Path.Combine(Path.GetTempPath(), "aip-web-" + Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Platform:DataDirectory", DataDirectory);
        builder.UseSetting("Jobs:PollInterval", "00:00:00.200");
        builder.UseSetting("Jobs:StorageScanCron", "");
        builder.UseSetting("Jobs:StorageCleanupCron", "");
        builder.ConfigureTestServices(services => services.AddScoped<IJobHandler, SlowJobHandler>());
    }

    public void DeleteData()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
