namespace AiPlatform.Core.Data;

/// <summary>A column as the engine inferred it.</summary>
public sealed record DatasetColumn(string Name, string Type);
