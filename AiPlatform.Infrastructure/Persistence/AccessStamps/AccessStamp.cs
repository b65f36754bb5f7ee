namespace AiPlatform.Infrastructure.Persistence.AccessStamps;

/// <summary>
/// The one row whose <see cref="Stamp"/> changes (to a new random value) in every save that changes access, so that every
/// node can tell cheaply that its access cache is out of date.
/// </summary>
public sealed class AccessStamp
{
    public const int RowId = 1;

    /// <summary>The value the migration seeds.</summary>
    public static readonly Guid Initial = new("4c0f6f8e-2f51-4b8e-9a53-1d6f3f0b7a10");

    public int Id { get; set; }

    public Guid Stamp { get; set; }
}
