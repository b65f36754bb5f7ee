namespace AiPlatform.Core.Data;

/// <summary>
/// Where a version came from (its parent, and the upload, query or import that produced it) and which versions of
/// other datasets were produced from this dataset (queries and imports that read it). Later modules add runs.
/// </summary>
public sealed record DatasetLineage(
    DatasetVersion Version,
    DatasetVersion? Parent,
    IReadOnlyList<LineageLink> Inputs,
    IReadOnlyList<LineageLink> UsedBy);

/// <summary>A dataset version at the other end of a lineage edge; <see cref="VersionNumber"/> null when only the dataset is known.</summary>
public sealed record LineageLink(Guid DatasetId, string DatasetName, Guid? VersionId, int? VersionNumber, string Relation);
