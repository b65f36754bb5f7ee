namespace AiPlatform.Core.Knowledge;

/// <summary>Turns text into unit vectors.</summary>
public interface IEmbedder
{
    string Name { get; }

    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct);
}
