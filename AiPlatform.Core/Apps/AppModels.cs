using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>What creating or changing an app takes (the draft has its own save).</summary>
public sealed record AppInput(string? Name, string? Slug, string? Description, AppKind Kind = AppKind.Workflow);

/// <summary>The draft as the canvas edits it: the graph and the revision the next save must name.</summary>
public sealed record AppDraft(AppGraph Graph, int Revision, DateTimeOffset UpdatedAt);

/// <summary>An app as an export file holds it (YAML): enough to create it again elsewhere.</summary>
public sealed record AppDocument(string Name, string? Slug, string? Description, AppKind Kind, AppGraph Graph);

/// <summary>What a caller with Read needs to run a published app (its form or chat): the published version's start fields.</summary>
public sealed record AppPublishedView(Guid Id, string Slug, string Name, string? Description, AppKind Kind, int Version, DateTimeOffset PublishedAt, JsonNode? Inputs);
