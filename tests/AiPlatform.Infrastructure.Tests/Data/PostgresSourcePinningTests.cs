using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.DataSources;
using AiPlatform.Infrastructure.Network;

namespace AiPlatform.Infrastructure.Tests.Data;

/// <summary>
/// A PostgreSQL source given by name is connected at the address the outbound guard checked, never at a second answer
/// of the DNS, while full TLS verification still names the host the user entered.
/// </summary>
public sealed class PostgresSourcePinningTests
{
    /// <summary>A name the system cannot resolve: only the guard's resolver (the check) knows it.</summary>
    private const string Name = "db.rebind.test";

    [Fact]
    public async Task A_verify_full_source_given_by_name_is_connected_at_the_checked_address_and_tls_names_the_entered_host()
    {
        using var server = new TlsPostgresServer();
        var guard = new OutboundHostGuard(new OutboundOptions { AllowedHosts = ["127.0.0.0/8"] }, ownAddresses: [], resolve: (host, _) =>
            Task.FromResult(host == Name ? new[] { IPAddress.Loopback } : throw new SocketException((int)SocketError.HostNotFound)));
        var connector = new SourceConnector(new S3SourceConnector(null!, guard), new KafkaSourceConnector(guard), guard);

        var refused = await Should.ThrowAsync<ValidationException>(() =>
            connector.TestAsync(new DatabaseConnection(DataSourceKind.Postgres, Name, server.Port, "sales", "reader", "secret", DataSourceTls.VerifyFull), CancellationToken.None));

        // The connection reached the checked address (the system's DNS does not know the name at all)...
        (await server.ServerNameAsync()).ShouldBe(Name, "the TLS client hello should name the entered host (SNI)");

        // ...and the self-signed certificate was refused before any password could be sent.
        refused.Errors["connection"].Single().ShouldContain("TLS handshake failed");
        server.MessagesAfterHandshake.ShouldBe(0);
    }

    /// <summary>Answers PostgreSQL's SSLRequest with 'S', then offers a self-signed certificate for <see cref="Name"/> and records the server name the client asked for.</summary>
    private sealed class TlsPostgresServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string?> _serverName = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly X509Certificate2 _certificate;
        private int _messagesAfterHandshake;

        public TlsPostgresServer()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={Name}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(Name);
            request.CertificateExtensions.Add(names.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            _certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
            _listener.Start();
            _ = ServeAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int MessagesAfterHandshake => Volatile.Read(ref _messagesAfterHandshake);

        public async Task<string?> ServerNameAsync()
        {
            try
            {
                return await _serverName.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                throw new ShouldAssertException("no TLS client hello reached the checked address within 30 s");
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _certificate.Dispose();
        }

        private async Task ServeAsync()
        {
            // Npgsql tries twice when the handshake fails, so every connection is answered.
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    _serverName.TrySetResult(null);
                    return;
                }

                using (client)
                {
                    await AnswerAsync(client.GetStream());
                }
            }
        }

        private async Task AnswerAsync(NetworkStream stream)
        {
            try
            {
                var request = new byte[8];
                await stream.ReadExactlyAsync(request);
                await stream.WriteAsync("S"u8.ToArray());
                await using var tls = new SslStream(stream);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateSelectionCallback = (_, name) =>
                    {
                        _serverName.TrySetResult(name);
                        return _certificate;
                    },
                });

                // TLS 1.3 ends the server's handshake before the client judges the certificate: anything it sends now
                // (the startup message, then the password) means it accepted it.
                var message = new byte[1];
                if (await tls.ReadAsync(message) > 0)
                {
                    Interlocked.Increment(ref _messagesAfterHandshake);
                }
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The client refused the certificate.
            }
        }
    }
}
