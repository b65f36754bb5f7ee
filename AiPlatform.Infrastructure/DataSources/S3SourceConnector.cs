using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Network;
using DuckDB.NET.Data;
using Minio;
using Minio.DataModel.Args;

namespace AiPlatform.Infrastructure.DataSources;

/// <summary>
/// S3/MinIO sources: the "table" is a key prefix; every CSV/TSV/Parquet/JSON Lines object under it (one format) is
/// downloaded to the scratch folder and combined by column name into one CSV with DuckDB. Every HTTP connection goes
/// through the <see cref="OutboundHostGuard"/> (resolved, checked and connected to the checked address).
/// </summary>
internal sealed class S3SourceConnector(IScratchSpace scratch, OutboundHostGuard guard)
{
    private const int MaxObjects = 1000;

    // One handler each (connection pooling); a new HttpClient per Minio client, because Minio's Build() sets the
    // client's Timeout, which an HttpClient refuses once it has sent a request.
    private readonly Lazy<HttpMessageHandler> _verified = new(() => guard.CreateHandler());

    private readonly Lazy<HttpMessageHandler> _unverified = new(() => guard.CreateHandler(verifyCertificate: false));

    public async Task TestAsync(DatabaseConnection connection, CancellationToken ct)
    {
        // A clear refusal before the SDK sees the host; the connect callback checks again at every connection.
        await guard.ResolveAsync(connection.Host, ct);
        var client = Client(connection);
        bool exists;
        try
        {
            exists = await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(connection.Database), ct);
        }
        catch (Exception ex) when (ex is Minio.Exceptions.MinioException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Fail(connection, ex);
        }

        if (!exists)
        {
            throw new ValidationException("connection", $"Cannot reach {connection}: the bucket '{connection.Database}' does not exist.") { MessageKey = "Error.Data.NoBucket", MessageArguments = [connection.ToString(), connection.Database] };
        }
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(DatabaseConnection connection, CancellationToken ct)
    {
        await TestAsync(connection, ct);
        var keys = new List<string>();
        await foreach (var item in Client(connection).ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(connection.Database).WithRecursive(true), ct))
        {
            if (!item.IsDir && TryFormat(item.Key, out _))
            {
                keys.Add(item.Key);
                if (keys.Count == MaxObjects)
                {
                    break;
                }
            }
        }

        return keys;
    }

    public async Task<long> ExportCsvAsync(DatabaseConnection connection, string? prefix, string path, IProgress<long> rows, CancellationToken ct)
    {
        var client = Client(connection);
        var objects = (await ListTablesAsync(connection, ct)).Where(k => k.StartsWith(prefix ?? string.Empty, StringComparison.Ordinal)).ToList();
        if (objects.Count == 0)
        {
            throw new ValidationException("table", $"No CSV, TSV, Parquet or JSON Lines object starts with '{prefix}'.") { MessageKey = "Error.Data.NoObjects", MessageArguments = [prefix ?? string.Empty] };
        }

        var formats = objects.Select(k => { TryFormat(k, out var f); return f; }).Distinct().ToList();
        if (formats.Count > 1)
        {
            throw new ValidationException("table", "The objects under this prefix have different formats; choose a narrower prefix.") { MessageKey = "Error.Data.MixedFormats" };
        }

        var files = new List<string>();
        try
        {
            foreach (var key in objects)
            {
                var file = scratch.NewFilePath(formats[0].Extension());
                files.Add(file);
                await client.GetObjectAsync(new GetObjectArgs().WithBucket(connection.Database).WithObject(key).WithFile(file), ct);
            }

            await using var duck = new DuckDBConnection("Data Source=:memory:");
            await duck.OpenAsync(ct);
            var list = "[" + string.Join(", ", files.Select(f => "'" + f.Replace("'", "''", StringComparison.Ordinal) + "'")) + "]";
            var source = formats[0] switch
            {
                DatasetFormat.Csv => $"read_csv({list}, header = true, union_by_name = true)",
                DatasetFormat.Tsv => $"read_csv({list}, header = true, delim = '\\t', union_by_name = true)",
                DatasetFormat.Parquet => $"read_parquet({list}, union_by_name = true)",
                _ => $"read_json({list}, format = 'newline_delimited', union_by_name = true)",
            };
            await using var command = duck.CreateCommand();
            command.CommandText = $"COPY (SELECT * FROM {source}) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT csv, HEADER true)";
            long written;
            try
            {
                written = Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (DuckDBException ex)
            {
                var message = files.Aggregate(ex.Message, (m, f) => m.Replace(f, Path.GetFileName(f), StringComparison.Ordinal));
                throw new ValidationException("table", "The objects could not be read: " + message.Split("\n\n")[0]) { MessageKey = "Error.Data.ObjectsUnreadable", MessageArguments = [message.Split("\n\n")[0]] };
            }

            rows.Report(written);
            return written;
        }
        finally
        {
            files.ForEach(File.Delete);
        }
    }

    private static bool TryFormat(string key, out DatasetFormat format)
    {
        try
        {
            format = DatasetFormats.FromFileName(key);
            return true;
        }
        catch (ValidationException)
        {
            format = default;
            return false;
        }
    }

    private IMinioClient Client(DatabaseConnection connection) =>
        new MinioClient()
            .WithEndpoint(connection.Host, connection.Port)
            .WithCredentials(connection.UserName, connection.Password)
            .WithSSL(connection.Tls != DataSourceTls.Disable)
            .WithHttpClient(new HttpClient(connection.Tls == DataSourceTls.Require ? _unverified.Value : _verified.Value, disposeHandler: false) { Timeout = TimeSpan.FromMinutes(30) })
            .Build();

    /// <summary>What failed, in the platform's words: never the server's own text.</summary>
    private static PlatformException Fail(DatabaseConnection connection, Exception ex)
    {
        string? reason = null;
        for (var e = ex; e is not null && reason is null; e = e.InnerException)
        {
            reason = e switch
            {
                HostNotAllowedException denied => throw denied,
                System.Security.Authentication.AuthenticationException => "the TLS handshake failed (the certificate is not trusted or not for this host)",
                System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } => "the connection was refused",
                System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.TimedOut } or TimeoutException or TaskCanceledException => "the connection timed out",
                Minio.Exceptions.MinioException => "the server refused the request (check the access key, the secret key and the bucket)",
                _ => null,
            };
        }

        var detail = reason ?? "the server did not answer as S3 does";
        return new ValidationException("connection", $"Cannot reach {connection}: {detail}.") { MessageKey = "Error.Data.CannotReach", MessageArguments = [connection.ToString(), detail] };
    }
}
