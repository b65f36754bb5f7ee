using System.Net;
using System.Net.Http.Json;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>
/// The app-runner role (<c>Platform:Role=AppRunner</c>) a deployed runner pod starts in: on the platform's database it
/// runs its own app's published version and answers health, but serves no page, no other API, no other app, and runs
/// no job workers.
/// </summary>
public sealed class AppRunnerRoleTests
{
    [Fact]
    public async Task A_runner_serves_its_apps_published_run_and_health_but_404_for_pages_other_api_and_other_apps()
    {
        var data = Path.Combine(Path.GetTempPath(), "aip-runner-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var platform = new PlatformWebFactory(data))
            {
                using var admin = platform.CreateAdminClient();
                await AppApi.PublishAsync(admin, await AppApi.CreateAsync(admin, "runner-app"), AppApi.Workflow("Hello {{ name }}"));
                await AppApi.PublishAsync(admin, await AppApi.CreateAsync(admin, "other-app"), AppApi.Workflow("Other {{ name }}"));
                await AppApi.CreateAsync(admin, "draft-only");
            }

            await using var runner = new RunnerFactory(data, "runner-app");
            using var client = runner.CreateAdminClient();

            var result = await AppApi.JsonAsync(client.PostAsJsonAsync("/api/v1/apps/runner-app/run", new { inputs = new { name = "Ada" } }), HttpStatusCode.OK);
            result.GetProperty("outputs").GetProperty("text").GetString().ShouldBe("Hello Ada");
            (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

            (await client.PostAsJsonAsync("/api/v1/apps/other-app/run", new { inputs = new { name = "x" } })).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a runner serves its own app only");
            (await client.GetAsync("/api/v1/apps")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await client.PostAsJsonAsync("/api/v1/apps", new { name = "x", slug = "new-app" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await client.GetAsync("/apps")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no pages");
            (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no pages");
            (await client.GetAsync("/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

            var hosted = runner.Services.GetServices<IHostedService>().Select(h => h.GetType().Name).ToList();
            hosted.ShouldNotContain("JobStartupService");
            hosted.ShouldNotContain("ServingReconciler");
            hosted.ShouldNotContain("TrainingQueueService");
            hosted.ShouldNotContain(h => h.Contains("BackgroundJobServer"), "no Hangfire workers on a runner");
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_runner_without_an_app_setting_serves_any_published_app_but_not_a_draft()
    {
        var data = Path.Combine(Path.GetTempPath(), "aip-runner-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var platform = new PlatformWebFactory(data))
            {
                using var admin = platform.CreateAdminClient();
                await AppApi.PublishAsync(admin, await AppApi.CreateAsync(admin, "any-app"), AppApi.Workflow("Hi {{ name }}"));
                await AppApi.CreateAsync(admin, "draft-only");
            }

            await using var runner = new RunnerFactory(data, null);
            using var client = runner.CreateAdminClient();

            (await AppApi.JsonAsync(client.PostAsJsonAsync("/api/v1/apps/any-app/run", new { inputs = new { name = "B" } }), HttpStatusCode.OK)).GetProperty("outputs").GetProperty("text").GetString().ShouldBe("Hi B");
            await AppApi.ProblemAsync(await client.PostAsJsonAsync("/api/v1/apps/draft-only/run", new { inputs = new { name = "B" } }), HttpStatusCode.Conflict, "conflict", "Apps.Error.NotPublished");
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private sealed class RunnerFactory(string data, string? app) : PlatformWebFactoryBase(data)
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Platform:Role", "AppRunner");
            if (app is not null)
            {
                builder.UseSetting("Platform:AppRunner:App", app);
            }
        }
    }
}
