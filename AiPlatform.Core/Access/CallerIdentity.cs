namespace AiPlatform.Core.Access;

/// <summary>Id and user name of an authenticated caller; <see cref="ReadOnly"/> for tokens limited to reading.</summary>
public sealed record CallerIdentity(Guid Id, string UserName, bool ReadOnly = false);
