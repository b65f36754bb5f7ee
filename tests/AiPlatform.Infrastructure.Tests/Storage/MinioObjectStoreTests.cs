using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Storage;
using AiPlatform.Infrastructure.Tests.Builders;
using Minio;
using Minio.Exceptions;

namespace AiPlatform.Infrastructure.Tests.Storage;

/// <summary>The Minio adapter against the real S3 server (Ceph RADOS Gateway) that scripts/test.sh starts.</summary>
public sealed class MinioObjectStoreTests : ObjectStoreContractTests, IDisposable
{
    private static readonly string Bucket = "aip-test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new();
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "aip-spool-" + Guid.NewGuid().ToString("N"));
    private readonly MinioObjectStore _store;

    public MinioObjectStoreTests() => _store = Create(TestPeers.S3SecretKey);

    protected override IObjectStore Store => _store;

    [Fact]
    public async Task A_wrong_secret_is_refused()
    {
        var store = Create("not-the-secret");

        // Refused by the server (not a connection or DNS failure), and the message does not echo the secret.
        var refused = await Should.ThrowAsync<AccessDeniedException>(() => store.CheckHealthAsync(None));
        refused.Message.ShouldContain("Access denied");
        refused.Message.ShouldNotContain("not-the-secret");
    }

    [Fact]
    public async Task A_multipart_upload_of_unknown_length_arrives_whole()
    {
        var data = new byte[40 * 1024 * 1024];
        new Random(7).NextBytes(data);
        var key = ObjectKey.Create(Area, "multipart.bin");

        var stored = await Store.PutAsync(key, new NonSeekableStream(new MemoryStream(data)), null, null, None);

        stored.Size.ShouldBe(data.Length);
        Directory.Exists(_spool).ShouldBeTrue();
        Directory.EnumerateFiles(_spool).ShouldBeEmpty();
        await using var read = await Store.OpenReadAsync(key, None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        copy.Length.ShouldBe(data.Length);
        copy.ToArray().AsSpan().SequenceEqual(data).ShouldBeTrue();
    }

    public void Dispose()
    {
        _http.Dispose();
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    private MinioObjectStore Create(string secret)
    {
        var client = new MinioClient().WithEndpoint(TestPeers.S3Endpoint).WithCredentials(TestPeers.S3AccessKey, secret).WithRegion("us-east-1").Build();
        return new MinioObjectStore(client, _http, Bucket, _spool);
    }
}
