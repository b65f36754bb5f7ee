namespace AiPlatform.Core.Serving;

/// <summary>
/// An endpoint's route that <see cref="InferenceService.ReadableRouteAsync"/> checked for the caller of this call (the
/// endpoint exists, the caller may read it, it is ready). Only the service makes one, so a call cannot skip the check;
/// a handler holds it for one call and checks nothing twice.
/// </summary>
public sealed class ReadableRoute
{
    internal ReadableRoute(EndpointRoute route) => Route = route;

    public EndpointRoute Route { get; }
}
