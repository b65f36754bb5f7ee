using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// An attacker's PostgreSQL server on a loopback port: it answers a startup message with AuthenticationCleartextPassword
/// ('R', code 3) and records the PasswordMessage a client sends, then refuses the login.
/// </summary>
public sealed class FakePostgresServer : LoopbackServer
{
    /// <summary>Every password a client sent.</summary>
    public ConcurrentQueue<string> Passwords { get; } = new();

    protected override async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var startup = await ReadStartupAsync(stream);
            if (BinaryPrimitives.ReadInt32BigEndian(startup) == 80877103)
            {
                // SSLRequest: no TLS here; a client that insists on it goes no further.
                await stream.WriteAsync("N"u8.ToArray());
                await ReadStartupAsync(stream);
            }

            await stream.WriteAsync(new byte[] { (byte)'R', 0, 0, 0, 8, 0, 0, 0, 3 });
            var type = new byte[1];
            await stream.ReadExactlyAsync(type);
            var length = new byte[4];
            await stream.ReadExactlyAsync(length);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length) - 4];
            await stream.ReadExactlyAsync(body);
            if (type[0] == (byte)'p')
            {
                Passwords.Enqueue(Encoding.UTF8.GetString(body).TrimEnd('\0'));
            }

            var error = Encoding.UTF8.GetBytes("SFATAL\0C28P01\0Mpassword authentication failed\0\0");
            var frame = new byte[5 + error.Length];
            frame[0] = (byte)'E';
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), 4 + error.Length);
            error.CopyTo(frame, 5);
            await stream.WriteAsync(frame);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or SocketException or ObjectDisposedException)
        {
            // The client hung up: whatever it sent is recorded.
        }
    }

    private static async Task<byte[]> ReadStartupAsync(NetworkStream stream)
    {
        var length = new byte[4];
        await stream.ReadExactlyAsync(length);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length) - 4];
        await stream.ReadExactlyAsync(body);
        return body;
    }
}

/// <summary>
/// A TCP listener on every loopback address (IPv4 and IPv6) that counts connections and answers each with fixed bytes
/// (a "banner"), standing in for an internal service a data source must not reach or echo.
/// </summary>
public sealed class BannerServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _banner;
    private int _connections;

    public BannerServer(string banner)
        : this(Encoding.UTF8.GetBytes(banner))
    {
    }

    public BannerServer(byte[] banner)
    {
        _banner = banner;
        _listener = new TcpListener(IPAddress.IPv6Any, 0);
        _listener.Server.DualMode = true;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>A PostgreSQL ErrorResponse carrying <paramref name="message"/>, as any server can send before authentication.</summary>
    public static byte[] PostgresError(string message)
    {
        var fields = Encoding.UTF8.GetBytes($"SFATAL\0C08P01\0M{message}\0\0");
        var frame = new byte[5 + fields.Length];
        frame[0] = (byte)'E';
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), 4 + fields.Length);
        fields.CopyTo(frame, 5);
        return frame;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                var stream = client.GetStream();
                await stream.WriteAsync(_banner);
                using var read = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    _ = await stream.ReadAsync(new byte[4096], read.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>
/// An OpenAI-compatible provider that only lists models (<c>GET /models</c>) on a loopback port: enough to add a provider
/// and sync its models without the LLM peer. Anything else answers 404.
/// </summary>
public sealed class FakeModelList : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _models;

    public FakeModelList(params string[] models)
    {
        var port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _models = "{\"object\":\"list\",\"data\":[" + string.Join(',', models.Select(m => $"{{\"id\":\"{m}\",\"object\":\"model\",\"owned_by\":\"test\",\"max_model_len\":2048}}")) + "]}";
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public void Dispose() => _listener.Close();

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            var listing = context.Request.HttpMethod == "GET" && context.Request.Url!.AbsolutePath.TrimEnd('/').EndsWith("/models", StringComparison.Ordinal);
            response.StatusCode = listing ? 200 : 404;
            response.ContentType = "application/json";
            var body = Encoding.UTF8.GetBytes(listing ? _models : "{\"error\":{\"message\":\"not found\"}}");
            await response.OutputStream.WriteAsync(body);
        }
    }
}

/// <summary>A TCP server on 127.0.0.1 that serves each connection with <see cref="ServeAsync"/> and counts them.</summary>
public abstract class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    protected LoopbackServer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => _connections;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        GC.SuppressFinalize(this);
    }

    protected abstract Task ServeAsync(TcpClient client);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }
}
