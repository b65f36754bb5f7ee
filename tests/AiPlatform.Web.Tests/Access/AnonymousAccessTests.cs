using System.Net;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Every route refuses anonymous callers except the few that must be open. The routes are read from the app's
/// endpoint data sources, so a route added later is covered without touching this test.
/// </summary>
public sealed class AnonymousAccessTests : IAsyncLifetime
{
    // /metrics is mapped anonymous but guarded by MetricsAccessMiddleware: no metrics on the public port without the
    // scrape token (asserted below); Prometheus scrapes the management port.
    private static readonly string[] OpenRoutes =
    [
        "/health/live", "/health/ready", "/v2/health/live", "/v2/health/ready", "/metrics", "/culture/set", "/account/login", "/account/login-2fa", "/account/login/external", "/account/access-denied",
    ];

    // What a catch-all parameter ({**path}, {*path}) is filled with: one segment, nested folders, a file name, an
    // encoded traversal. Fallback routes ({*path:nonfile}) take only the names without a dot.
    private static readonly string[] CatchAllTails =
    [
        "leaf", "nested/deeper/leaf", "nested/model.onnx", "..%2F..%2Fsecrets.json",
    ];

    private readonly PlatformWebFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
    }

    [Fact]
    public async Task Every_route_but_health_metrics_sign_in_and_static_files_refuses_anonymous_callers()
    {
        var client = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var routes = _factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        routes.Count.ShouldBeGreaterThan(40);
        var checkedRoutes = 0;
        var checkedCatchAll = 0;
        var failures = new List<string>();

        foreach (var endpoint in routes)
        {
            var pattern = endpoint.RoutePattern.RawText ?? string.Empty;
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(Segment)).TrimStart('/');
            if (anonymous)
            {
                if (!OpenRoutes.Contains(path.TrimEnd('/')) && !IsStaticFile(endpoint))
                {
                    failures.Add($"{pattern} allows anonymous access but is not an expected open route");
                }

                continue;
            }

            path.ShouldNotContain("{", customMessage: $"{pattern}: every parameter is filled in");
            var catchAll = endpoint.RoutePattern.Parameters.FirstOrDefault(p => p.IsCatchAll);
            var paths = catchAll is null
                ? [path]
                : CatchAllTails.Where(t => !t.Contains('.', StringComparison.Ordinal) || !catchAll.ParameterPolicies.Any(p => p.Content == "nonfile"))
                    .Select(t => path.Replace("**", t, StringComparison.Ordinal)).ToList();

            // A catch-all route is tried with every method it serves and every kind of tail: no path under it is open.
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in catchAll is null ? methods.Take(1) : methods)
            {
                foreach (var target in paths)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), target);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
                    }

                    var response = await client.SendAsync(request);
                    checkedRoutes++;
                    checkedCatchAll += catchAll is null ? 0 : 1;
                    var refused = response.StatusCode == HttpStatusCode.Unauthorized
                        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/account/login", StringComparison.Ordinal))
                        || (response.StatusCode == HttpStatusCode.BadRequest && target.StartsWith("/account", StringComparison.Ordinal));
                    if (!refused)
                    {
                        failures.Add($"{method} {target} ({pattern}) answered {(int)response.StatusCode} to an anonymous caller");
                    }
                }
            }
        }

        failures.ShouldBeEmpty();
        checkedRoutes.ShouldBeGreaterThan(30);

        // The MLflow artifact routes (GET, PUT, DELETE), the model file download and the MLflow fallbacks.
        checkedCatchAll.ShouldBeGreaterThan(20);
        routes.ShouldContain(r => r.RoutePattern.RawText == "/api/2.0/mlflow-artifacts/artifacts/{**path}");
        routes.ShouldContain(r => r.RoutePattern.RawText!.EndsWith("/files/{**path}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_anonymous_api_call_gets_401_problem_details_and_a_page_redirects_to_sign_in()
    {
        var client = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var api = await client.GetAsync("/api/v1/jobs");
        var page = await client.GetAsync("/projects");

        api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        api.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().ShouldContain("/account/login?ReturnUrl=%2Fprojects");
        (await client.GetAsync("/account/login")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "no anonymous metrics on the public port (the test app has a scrape token)");
    }

    private static bool IsStaticFile(Microsoft.AspNetCore.Http.Endpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().Name.Contains("StaticAsset", StringComparison.Ordinal)) || endpoint.DisplayName?.Contains("StaticAsset", StringComparison.OrdinalIgnoreCase) == true
        || (endpoint as RouteEndpoint)?.RoutePattern.RawText?.Contains('.') == true;

    private static string Segment(Microsoft.AspNetCore.Routing.Patterns.RoutePatternPathSegment segment) =>
        string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart { IsCatchAll: true } => "**",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart p when p.ParameterPolicies.Any(x => x.Content == "guid") => Guid.NewGuid().ToString(),
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart p when p.ParameterPolicies.Any(x => x.Content == "int") => "1",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart p when p.Name == "documentName" => "v1",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "x",
            _ => string.Empty,
        }));
}
