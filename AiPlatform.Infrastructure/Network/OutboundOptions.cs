namespace AiPlatform.Infrastructure.Network;

/// <summary>
/// Which hosts the platform may connect to on a user's behalf (data sources, LLM providers, Git clones). Entries are
/// CIDR ranges (<c>10.0.0.0/8</c>), single addresses, host names (<c>db.internal</c>) or domain suffixes
/// (<c>.corp.example</c>). By default loopback, link-local (cloud metadata), unspecified, multicast and the platform's
/// own addresses are refused and everything else is allowed.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "DataSources";

    /// <summary>Exceptions to the built-in refusals (e.g. <c>127.0.0.1</c> for a database on the same machine).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Always refused, even when also allowed.</summary>
    public List<string> DeniedHosts { get; set; } = [];

    /// <summary>When true only <see cref="AllowedHosts"/> may be reached.</summary>
    public bool AllowedHostsOnly { get; set; }
}
