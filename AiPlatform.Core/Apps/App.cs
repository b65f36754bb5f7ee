namespace AiPlatform.Core.Apps;

/// <summary>
/// An AI application built on the workbench canvas (a securable object: Read runs it, Write edits the draft, Manage
/// shares and publishes). The draft is edited in place; publishing freezes it into an <see cref="AppVersion"/>, and the
/// published pointer names the version that <c>POST /api/v1/apps/{slug}/run</c>, the app page and the gateway serve.
/// </summary>
public sealed class App : Access.IOwnedObject
{
    public Guid Id { get; set; }

    /// <summary>The app's address (<c>/a/{slug}</c>, <c>/api/v1/apps/{slug}/run</c>, <c>app:{slug}</c>): lower-case letters, digits and hyphens, unique on the platform.</summary>
    public required string Slug { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public AppKind Kind { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>The draft graph as JSON (<see cref="AppGraph"/>), autosaved by the canvas.</summary>
    public string DraftJson { get; set; } = AppGraph.EmptyJson;

    /// <summary>Moves on at every draft save; a save that names an older revision is refused (two editors).</summary>
    public int DraftRevision { get; set; }

    public DateTimeOffset DraftUpdatedAt { get; set; }

    /// <summary>The version served to callers; null until the first publish.</summary>
    public Guid? PublishedVersionId { get; set; }

    /// <summary>Who set the published pointer last (publish or roll back): published runs execute with this user's rights.</summary>
    public Guid? PublishedBy { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>A copy of the app's fields (what a cache hands out, so that nobody changes the cached one).</summary>
    public App Copy() => (App)MemberwiseClone();
}
