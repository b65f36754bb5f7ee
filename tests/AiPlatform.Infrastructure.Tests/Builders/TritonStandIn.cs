using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>A local stand-in for Triton's readiness routes, answering as the test's current mode says.</summary>
public static class TritonStandIn
{
    /// <summary>
    /// Starts it on a free loopback port: <paramref name="mode"/> "unready" answers 503, "hang" never answers, "drop" loses
    /// the connection, anything else ("ready") answers 200; <paramref name="onCheck"/> runs before each answer.
    /// </summary>
    public static async Task<WebApplication> StartAsync(Func<string> mode, Func<Task>? onCheck = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Use(async (HttpContext http, RequestDelegate next) =>
        {
            if (onCheck is not null)
            {
                await onCheck();
            }

            switch (mode())
            {
                case "hang":
                    await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
                case "drop":
                    http.Abort();
                    return;
                case "unready":
                    http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return;
                default:
                    await next(http);
                    return;
            }
        });
        app.MapGet("/v2/health/ready", () => Results.Ok());
        app.MapGet("/v2/models/{model}/versions/{version:int}/ready", () => Results.Ok());
        await app.StartAsync();
        return app;
    }
}
