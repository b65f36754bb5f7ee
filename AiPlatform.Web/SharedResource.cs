namespace AiPlatform.Web;

/// <summary>Anchor type of the UI strings in <c>Resources/SharedResource*.resx</c> (English and zh-CN).</summary>
public sealed class SharedResource;
