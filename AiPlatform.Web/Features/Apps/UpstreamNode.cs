using AiPlatform.Core.Apps;

namespace AiPlatform.Web.Features.Apps;

/// <summary>A node whose outputs another may use; a container (the iteration or loop around a body) offers only what its body sees.</summary>
public sealed record UpstreamNode(AppNode Node, bool IsContainer);
