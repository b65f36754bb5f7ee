using System.Collections.Concurrent;
using System.Data.Common;
using AiPlatform.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// Records every database command made while a request is being served (method, path and SQL); background work (the
/// access stamp poller, job sweeps, the token last-use flush) runs outside requests and is not recorded.
/// </summary>
public sealed class RequestCommandRecorder : DbCommandInterceptor
{
    private static readonly HttpContextAccessor Http = new();

    public ConcurrentQueue<(string Path, string Sql)> Commands { get; } = new();

    /// <summary>Adds the recorder to the app's SQLite database.</summary>
    public void AttachTo(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services => services.ConfigureDbContext<SqlitePlatformDbContext>(o => o.AddInterceptors(this)));

    /// <summary>The commands recorded since the last call, as lines for an assertion message; empties the record.</summary>
    public IReadOnlyList<string> Take()
    {
        var taken = new List<string>();
        while (Commands.TryDequeue(out var command))
        {
            taken.Add($"{command.Path}: {command.Sql}");
        }

        return taken;
    }

    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        if (Http.HttpContext is { } request)
        {
            Commands.Enqueue((request.Request.Method + " " + request.Request.Path, result.CommandText));
        }

        return result;
    }
}
