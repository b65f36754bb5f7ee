using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using AiPlatform.Core.Common;

namespace AiPlatform.Infrastructure.Network;

/// <summary>
/// The one place that decides whether the platform may open a connection on a user's behalf. A host is resolved once,
/// every address it resolves to is checked, and callers connect to the checked addresses (never resolving again), so
/// a name that answers differently the second time (DNS rebinding) cannot slip through.
/// </summary>
public sealed class OutboundHostGuard
{
    private static readonly IPNetwork[] RefusedRanges =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("100.100.100.200/32"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
        IPNetwork.Parse("fd00:ec2::254/128"),
    ];

    private static readonly string[] RefusedNames = ["localhost", ".localhost", "metadata", "metadata.google.internal", "instance-data", ".internal.cloudapp.net"];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly (List<IPNetwork> Ranges, List<string> Names) _allowed;
    private readonly (List<IPNetwork> Ranges, List<string> Names) _denied;
    private readonly bool _allowedOnly;
    private readonly Lazy<HashSet<IPAddress>> _own;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <param name="options">The operator's policy.</param>
    /// <param name="ownAddresses">The platform's own addresses (default: those of every network interface).</param>
    /// <param name="resolve">The name resolver (default: the system's); tests give one that answers differently from it.</param>
    public OutboundHostGuard(OutboundOptions options, IEnumerable<IPAddress>? ownAddresses = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _allowed = Parse(options.AllowedHosts, "AllowedHosts");
        _denied = Parse(options.DeniedHosts, "DeniedHosts");
        _allowedOnly = options.AllowedHostsOnly;
        _own = new Lazy<HashSet<IPAddress>>(() => [.. (ownAddresses ?? LocalAddresses()).Select(Normalize)]);
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    /// <summary>
    /// Checks a host name or address and returns the addresses to connect to (all of them allowed); throws
    /// <see cref="HostNotAllowedException"/> when the host, or any address it resolves to, is refused.
    /// </summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var name = (host ?? string.Empty).Trim();
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        if (name.Length == 0 || name.StartsWith('/') || name.StartsWith('@') || name.IndexOfAny(['/', '\\', ',', ' ', '%', '\0']) >= 0)
        {
            throw new HostNotAllowedException(host ?? string.Empty, "give one host name or IP address (socket paths, lists and zone ids are not accepted)");
        }

        name = name.TrimEnd('.').ToLowerInvariant();
        if (Matches(_denied.Names, name))
        {
            throw new HostNotAllowedException(host!, "an operator denied it");
        }

        var allowedByName = Matches(_allowed.Names, name);
        IPAddress[] addresses;
        if (IPAddress.TryParse(name, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            if (!allowedByName && Matches(RefusedNames, name))
            {
                throw new HostNotAllowedException(host!, "it names this machine or a cloud metadata service");
            }

            try
            {
                addresses = await _resolve(name, ct);
            }
            catch (SocketException)
            {
                throw new HostNotAllowedException(host!, "the name cannot be resolved");
            }

            if (addresses.Length == 0)
            {
                throw new HostNotAllowedException(host!, "the name cannot be resolved");
            }
        }

        foreach (var address in addresses)
        {
            if (Refusal(Normalize(address), allowedByName) is { } reason)
            {
                throw new HostNotAllowedException(host!, addresses.Length == 1 && literal is null ? $"it resolves to {address}, {reason}" : reason);
            }
        }

        return addresses;
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves and checks the host, then connects to a checked address.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP handler whose every connection goes through <see cref="ConnectAsync"/>; redirects are not followed.</summary>
    public SocketsHttpHandler CreateHandler(bool verifyCertificate = true)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        if (!verifyCertificate)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true };
        }

        return handler;
    }

    private string? Refusal(IPAddress address, bool allowedByName)
    {
        if (_denied.Ranges.Any(r => r.Contains(address)))
        {
            return "an operator denied it";
        }

        if (allowedByName || _allowed.Ranges.Any(r => r.Contains(address)))
        {
            return null;
        }

        if (address.Equals(IPAddress.Broadcast) || RefusedRanges.Any(r => r.Contains(address)))
        {
            return "a loopback, link-local (cloud metadata), unspecified or multicast address";
        }

        if (_own.Value.Contains(address))
        {
            return "an address of the platform itself";
        }

        return _allowedOnly ? "only the hosts in DataSources:AllowedHosts may be reached" : null;
    }

    /// <summary>IPv4 behind IPv6 (mapped <c>::ffff:a.b.c.d</c>, NAT64 <c>64:ff9b::a.b.c.d</c>) is checked as IPv4.</summary>
    private static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            return new IPAddress(address.GetAddressBytes()[12..]);
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;
    }

    private static bool Matches(IEnumerable<string> names, string name) =>
        names.Any(n => n.StartsWith('.') ? name.EndsWith(n, StringComparison.Ordinal) || name == n[1..] : name == n);

    private static (List<IPNetwork> Ranges, List<string> Names) Parse(IEnumerable<string> entries, string key)
    {
        var ranges = new List<IPNetwork>();
        var names = new List<string>();
        foreach (var raw in entries.Select(e => e.Trim()).Where(e => e.Length > 0))
        {
            var entry = raw.Trim('[', ']');
            if (IPNetwork.TryParse(entry, out var range))
            {
                ranges.Add(range);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                address = Normalize(address);
                ranges.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (Uri.CheckHostName(entry.TrimStart('.')) == UriHostNameType.Dns)
            {
                names.Add(entry.TrimEnd('.').ToLowerInvariant());
            }
            else
            {
                throw new InvalidOperationException($"DataSources:{key} has '{raw}', which is not a CIDR range, an address or a host name.");
            }
        }

        return (ranges, names);
    }

    private static IEnumerable<IPAddress> LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address).ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
