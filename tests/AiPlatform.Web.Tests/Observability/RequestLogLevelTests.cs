using AiPlatform.Web.Observability;
using Microsoft.AspNetCore.Http;
using Serilog.Events;

namespace AiPlatform.Web.Tests.Observability;

/// <summary>Which requests write an Information line: not the fast, successful calls of the high-rate routes.</summary>
public sealed class RequestLogLevelTests
{
    [Theory]
    [InlineData("POST", "/v2/models/churn/infer")]
    [InlineData("GET", "/v2")]
    [InlineData("POST", "/api/2.0/mlflow/runs/log-metric")]
    [InlineData("POST", "/api/2.0/mlflow/runs/log-batch")]
    [InlineData("POST", "/ajax-api/2.0/mlflow/runs/log-batch")]
    [InlineData("GET", "/v1/models")]
    [InlineData("POST", "/v1/chat/completions")]
    public void A_fast_successful_request_on_a_high_rate_route_is_Debug(string method, string path) =>
        RequestLogLevel.For(Context(method, path, 200), 3, null, 1000).ShouldBe(LogEventLevel.Debug);

    [Theory]
    [InlineData("/api/2.0/mlflow/runs/search")]
    [InlineData("/api/2.0/mlflow/runs/create")]
    [InlineData("/api/v1/endpoints")]
    [InlineData("/experiments")]
    [InlineData("/v20")]
    public void Other_successful_requests_stay_Information(string path) =>
        RequestLogLevel.For(Context("POST", path, 200), 3, null, 1000).ShouldBe(LogEventLevel.Information);

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public void A_refused_call_on_a_high_rate_route_is_Information(int status) =>
        RequestLogLevel.For(Context("POST", "/v2/models/churn/infer", status), 3, null, 1000).ShouldBe(LogEventLevel.Information);

    [Fact]
    public void A_slow_call_on_a_high_rate_route_is_Information() =>
        RequestLogLevel.For(Context("POST", "/api/2.0/mlflow/runs/log-batch", 200), 1000, null, 1000).ShouldBe(LogEventLevel.Information);

    [Fact]
    public void A_failure_is_Error_on_any_route()
    {
        RequestLogLevel.For(Context("POST", "/v2/models/churn/infer", 500), 3, null, 1000).ShouldBe(LogEventLevel.Error);
        RequestLogLevel.For(Context("GET", "/v1/models", 200), 3, new InvalidOperationException("boom"), 1000).ShouldBe(LogEventLevel.Error);
    }

    [Fact]
    public void Probes_and_scrapes_are_Verbose() =>
        RequestLogLevel.For(Context("GET", "/health/live", 200), 3, null, 1000).ShouldBe(LogEventLevel.Verbose);

    private static DefaultHttpContext Context(string method, string path, int status)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Response.StatusCode = status;
        return context;
    }
}
