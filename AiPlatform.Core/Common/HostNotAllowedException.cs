namespace AiPlatform.Core.Common;

/// <summary>
/// The platform refused to connect to a host: it is (or resolves to) an address the outbound policy refuses — loopback,
/// link-local and cloud metadata, unspecified, the platform's own addresses, a socket path — or one an operator denied.
/// </summary>
public sealed class HostNotAllowedException : PlatformException
{
    public HostNotAllowedException(string host, string reason)
        : base("host-not-allowed", $"The host '{host}' is not allowed: {reason}. An operator can allow it with DataSources:AllowedHosts.")
    {
        Host = host;
        MessageKey = "Error.HostNotAllowed";
        MessageArguments = [host];
    }

    public string Host { get; }
}
