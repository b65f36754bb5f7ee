using System.Diagnostics;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Forwards a caller's infer call for an endpoint that runs on Triton, after the same checks as an in-process call, and
/// records its outcome in the endpoint's metrics (Triton's 2xx ok, 4xx bad request, 5xx or unreachable error).
/// </summary>
public sealed class EndpointForwarder(InferenceService inference, IInferenceForwarder forwarder, ServingMetrics metrics)
{
    /// <summary>Triton's answer, or null when the endpoint runs in this process (the caller infers here then).</summary>
    public async Task<ForwardedResponse?> ForwardInferAsync(ReadableRoute route, int? version, ForwardedBody body, CancellationToken ct)
    {
        if (await inference.ForwardTargetAsync(route, version, ct) is not { } target)
        {
            return null;
        }

        var clock = Stopwatch.StartNew();
        ForwardedResponse response;
        try
        {
            response = await forwarder.ForwardAsync(target, body, ct);
        }
        catch (EndpointUnavailableException)
        {
            metrics.Record(target.ModelName, target.Version, "error", clock.Elapsed);
            throw;
        }

        var status = response.StatusCode;
        metrics.Record(target.ModelName, target.Version, status < 300 ? "ok" : status < 500 ? "bad_request" : "error", clock.Elapsed);
        return response;
    }
}
