using System.Globalization;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Network;
using Confluent.Kafka;

namespace AiPlatform.Infrastructure.DataSources;

/// <summary>
/// Kafka sources: a topic is read from its start (or from a time) up to the end offsets it had when the import began
/// — a bounded snapshot — and written as JSON Lines (partition, offset, timestamp, key, value; JSON values kept as JSON).
/// The bootstrap server is reached at an address the <see cref="OutboundHostGuard"/> checked, and every broker the
/// cluster names is checked before a message is read.
/// </summary>
internal sealed class KafkaSourceConnector(OutboundHostGuard guard)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public Task TestAsync(DatabaseConnection connection, CancellationToken ct) => Task.Run(() => { _ = Topics(connection); }, ct);

    public Task<IReadOnlyList<string>> ListTablesAsync(DatabaseConnection connection, CancellationToken ct) => Task.Run(() => Topics(connection), ct);

    /// <param name="query">
    /// Which messages: empty for the whole topic up to its current end; an ISO time (<c>2026-01-31T00:00:00Z</c>) for
    /// messages from then on; a time window <c>FROM..TO</c> (either side may be empty); or an offset range
    /// <c>offsets:START-END</c> (end exclusive, on every partition).
    /// </param>
    public Task<long> ExportJsonLinesAsync(DatabaseConnection connection, string topic, string? query, string path, IProgress<long> rows, CancellationToken ct) => Task.Run(() =>
    {
        var (since, until, offsetRange) = ParseWindow(query);

        if (!Topics(connection).Contains(topic))
        {
            throw new ValidationException("table", $"The cluster has no topic '{topic}'.") { MessageKey = "Error.Data.NoTopic", MessageArguments = [topic] };
        }

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(Config(connection, new ConsumerConfig
        {
            GroupId = "aiplatform-import-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        })).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var watermarks = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, Timeout));
        var ends = watermarks.ToDictionary(w => w.Key, w => w.Value.High.Value);
        if (until is { } to)
        {
            foreach (var o in consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(to.UtcDateTime))), Timeout))
            {
                if (o.Offset.Value >= 0)
                {
                    ends[o.Partition.Value] = Math.Min(ends[o.Partition.Value], o.Offset.Value);
                }
            }
        }

        if (offsetRange is var (first, last))
        {
            foreach (var partition in ends.Keys.ToList())
            {
                ends[partition] = Math.Min(ends[partition], last);
            }
        }

        var starts = offsetRange is var (low, _)
            ? partitions.Select(p => new TopicPartitionOffset(p, new Offset(Math.Max(low, watermarks[p.Partition.Value].Low.Value)))).ToList()
            : since is { } from
            ? consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(from.UtcDateTime))), Timeout)
                .Select(o => new TopicPartitionOffset(o.TopicPartition, o.Offset.Value < 0 ? new Offset(ends[o.Partition.Value]) : o.Offset)).ToList()
            : partitions.Select(p => new TopicPartitionOffset(p, new Offset(watermarks[p.Partition.Value].Low.Value))).ToList();
        var pending = starts.Where(s => s.Offset.Value < ends[s.Partition.Value]).Select(s => s.Partition.Value).ToHashSet();
        var lastProgress = DateTime.UtcNow;
        consumer.Assign(starts);

        long written = 0;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        while (pending.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null || result.IsPartitionEOF)
            {
                if (DateTime.UtcNow - lastProgress > TimeSpan.FromSeconds(30))
                {
                    throw new ValidationException("table", $"The topic '{topic}' stopped delivering messages before the end of the range.") { MessageKey = "Error.Data.TopicStopped", MessageArguments = [topic] };
                }

                continue;
            }

            lastProgress = DateTime.UtcNow;
            var partition = result.Partition.Value;
            if (result.Offset.Value < ends[partition])
            {
                writer.WriteLine(Line(result));
                written++;
                if (written % 10_000 == 0)
                {
                    rows.Report(written);
                }
            }

            if (result.Offset.Value >= ends[partition] - 1)
            {
                pending.Remove(partition);
            }
        }

        rows.Report(written);
        if (written == 0)
        {
            throw new ValidationException("table", $"The topic '{topic}' has no messages in the chosen range.") { MessageKey = "Error.Data.TopicEmpty", MessageArguments = [topic] };
        }

        return written;
    }, ct);

    private static (DateTimeOffset? Since, DateTimeOffset? Until, (long First, long Last)? Offsets) ParseWindow(string? query)
    {
        var text = query?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            return (null, null, null);
        }

        if (text.StartsWith("offsets:", StringComparison.OrdinalIgnoreCase))
        {
            var parts = text[8..].Split('-', 2);
            if (parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var first) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var last) && first >= 0 && last > first)
            {
                return (null, null, (first, last));
            }

            throw new ValidationException("query", "An offset range is written offsets:START-END, e.g. offsets:0-1000 (END exclusive).") { MessageKey = "Error.Data.OffsetRange" };
        }

        var window = text.Split("..", 2);
        return (Time(window[0]), window.Length == 2 ? Time(window[1]) : null, null);

        static DateTimeOffset? Time(string value) =>
            value.Trim().Length == 0 ? null
            : DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new ValidationException("query", "For a Kafka source give an ISO time (2026-01-31T00:00:00Z), a window FROM..TO, an offset range offsets:START-END, or nothing for the whole topic.") { MessageKey = "Error.Data.KafkaSince" };
    }

    private static string Line(ConsumeResult<byte[]?, byte[]?> message)
    {
        var value = message.Message.Value is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
        string valueJson;
        try
        {
            valueJson = value is null ? "null" : JsonDocument.Parse(value).RootElement.GetRawText();
        }
        catch (JsonException)
        {
            valueJson = JsonSerializer.Serialize(value);
        }

        var key = message.Message.Key is { } k ? Encoding.UTF8.GetString(k) : null;
        return $"{{\"partition\":{message.Partition.Value},\"offset\":{message.Offset.Value},\"timestamp\":{JsonSerializer.Serialize(message.Message.Timestamp.UtcDateTime)},\"key\":{JsonSerializer.Serialize(key)},\"value\":{valueJson}}}";
    }

    private IReadOnlyList<string> Topics(DatabaseConnection connection)
    {
        Metadata metadata;
        try
        {
            using var admin = new AdminClientBuilder(Config(connection, new AdminClientConfig())).Build();
            metadata = admin.GetMetadata(Timeout);
        }
        catch (KafkaException ex)
        {
            throw new ValidationException("connection", $"Cannot reach {connection}: {Reason(ex.Error.Code)}.") { MessageKey = "Error.Data.CannotReach", MessageArguments = [connection.ToString(), Reason(ex.Error.Code)] };
        }

        // The cluster names its brokers; the consumer would connect to them next.
        foreach (var broker in metadata.Brokers)
        {
            guard.ResolveAsync(broker.Host, CancellationToken.None).GetAwaiter().GetResult();
        }

        return metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError && !t.Topic.StartsWith("__", StringComparison.Ordinal)).Select(t => t.Topic).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>What failed, from librdkafka's error code only (its messages can carry what the remote end sent).</summary>
    private static string Reason(ErrorCode code) => code switch
    {
        ErrorCode.Local_Authentication or ErrorCode.SaslAuthenticationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.TopicAuthorizationFailed => "authentication failed (check the user name and password)",
        ErrorCode.Local_Ssl => "the TLS handshake failed (the certificate is not trusted or not for this host)",
        ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut => "the connection timed out",
        ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown or ErrorCode.BrokerNotAvailable => "the broker cannot be reached (refused, closed, or not Kafka)",
        _ => $"the cluster answered with an error ({code})",
    };

    private T Config<T>(DatabaseConnection connection, T config)
        where T : ClientConfig
    {
        var addresses = guard.ResolveAsync(connection.Host, CancellationToken.None).GetAwaiter().GetResult();
        var address = SourceConnector.Preferred(addresses);
        var host = SourceConnector.VerifiesName(connection) ? connection.Host
            : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]"
            : address.ToString();
        config.BootstrapServers = $"{host}:{connection.Port}";
        config.SocketTimeoutMs = 10_000;
        var tls = connection.Tls != DataSourceTls.Disable;
        config.SecurityProtocol = (string.IsNullOrEmpty(connection.UserName), tls) switch
        {
            (true, false) => SecurityProtocol.Plaintext,
            (true, true) => SecurityProtocol.Ssl,
            (false, false) => SecurityProtocol.SaslPlaintext,
            (false, true) => SecurityProtocol.SaslSsl,
        };
        if (tls)
        {
            config.SslEndpointIdentificationAlgorithm = connection.Tls == DataSourceTls.VerifyFull ? SslEndpointIdentificationAlgorithm.Https : SslEndpointIdentificationAlgorithm.None;
            config.EnableSslCertificateVerification = connection.Tls != DataSourceTls.Require;
        }

        if (!string.IsNullOrEmpty(connection.UserName))
        {
            config.SaslMechanism = SaslMechanism.Plain;
            config.SaslUsername = connection.UserName;
            config.SaslPassword = connection.Password ?? string.Empty;
        }

        return config;
    }
}
