namespace AiPlatform.Core.Access;

public enum ApiTokenScope
{
    /// <summary>GET-style calls only: anything that changes state is refused.</summary>
    Read = 0,

    /// <summary>Everything the owner may do.</summary>
    ReadWrite = 1,
}
