namespace AiPlatform.Web.Features.Apps;

/// <summary>One problem of the graph in the reader's language, with the node it is about (null for the graph as a whole).</summary>
public sealed record AppProblem(string? NodeId, string Key, string Message);
