using System.Runtime.CompilerServices;
using AiPlatform.Core.Storage;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using ObjectNotFoundException = AiPlatform.Core.Storage.ObjectNotFoundException;

namespace AiPlatform.Infrastructure.Storage;

/// <summary>
/// Objects in one bucket of an S3 API (MinIO, Ceph RGW, AWS). Staged content is uploaded under
/// <c>_staging/</c>, then server-side copied to its key: the final key only ever shows a complete object.
/// Content of unknown length is spooled to a temporary file first, so uploads go in small parts
/// instead of one part buffered in memory.
/// </summary>
internal sealed class MinioObjectStore(IMinioClient client, HttpClient http, string bucket, string spoolDirectory) : IObjectStore
{
    private readonly SemaphoreSlim _bucketLock = new(1, 1);
    private volatile bool _bucketReady;

    public string Provider => "Minio";

    public async Task<StagedObject> StageAsync(Stream content, long? length, string? contentType, CancellationToken ct)
    {
        await EnsureBucketAsync(ct);
        var key = ObjectStoreExtensions.NewStagingKey();
        FileStream? spool = null;
        try
        {
            var source = content;
            if (length is null)
            {
                Directory.CreateDirectory(spoolDirectory);
                var spoolPath = Path.Combine(spoolDirectory, $"{key.Value.Replace('/', '-')}.spool");
                spool = new FileStream(spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                await content.CopyToAsync(spool, ct);
                spool.Position = 0;
                length = spool.Length;
                source = spool;
            }

            using var hashing = new HashingStream(source);
            await client.PutObjectAsync(
                new PutObjectArgs().WithBucket(bucket).WithObject(key.Value).WithStreamData(hashing).WithObjectSize(length.Value)
                    .WithContentType(contentType ?? "application/octet-stream"),
                ct);
            if (hashing.BytesRead != length.Value)
            {
                await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(key.Value), CancellationToken.None);
                throw new IOException($"Expected {length.Value} bytes but received {hashing.BytesRead}.");
            }

            return new StagedObject(key, hashing.BytesRead, hashing.HashHex(), contentType);
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync();
            }
        }
    }

    public async Task<StagedObject> StageFileAsync(string path, string sha256, string? contentType, CancellationToken ct)
    {
        try
        {
            await using var file = File.OpenRead(path);
            return await StageAsync(file, file.Length, contentType, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public async Task<StoredObject> CommitAsync(StagedObject staged, ObjectKey key, CancellationToken ct)
    {
        await client.CopyObjectAsync(
            new CopyObjectArgs().WithBucket(bucket).WithObject(key.Value)
                .WithCopyObjectSource(new CopySourceObjectArgs().WithBucket(bucket).WithObject(staged.TemporaryKey.Value)),
            ct);
        await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(staged.TemporaryKey.Value), ct);
        var stat = await StatAsync(key, ct) ?? throw new ObjectNotFoundException(key);
        return stat with { Sha256 = staged.Sha256, ContentType = staged.ContentType ?? stat.ContentType };
    }

    public Task DiscardAsync(StagedObject staged, CancellationToken ct) =>
        client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(staged.TemporaryKey.Value), ct);

    public async Task<Stream> OpenReadAsync(ObjectKey key, CancellationToken ct)
    {
        if (await StatAsync(key, ct) is null)
        {
            throw new ObjectNotFoundException(key);
        }

        var url = await client.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(bucket).WithObject(key.Value).WithExpiry(300));
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            response.Dispose();
            throw new ObjectNotFoundException(key);
        }

        response.EnsureSuccessStatusCode();
        return new ResponseStream(response, await response.Content.ReadAsStreamAsync(ct));
    }

    public async Task<StoredObject?> StatAsync(ObjectKey key, CancellationToken ct)
    {
        try
        {
            var stat = await client.StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject(key.Value), ct);
            return new StoredObject(key, stat.Size, new DateTimeOffset(DateTime.SpecifyKind(stat.LastModified, DateTimeKind.Utc)), stat.ContentType);
        }
        catch (Minio.Exceptions.ObjectNotFoundException)
        {
            return null;
        }
        catch (BucketNotFoundException)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        await EnsureBucketAsync(ct);
        var args = new ListObjectsArgs().WithBucket(bucket).WithPrefix(prefix).WithRecursive(true);
        await foreach (var item in client.ListObjectsEnumAsync(args, ct))
        {
            if (item.IsDir || !ObjectKey.TryParse(item.Key, out var key))
            {
                continue;
            }

            var modified = item.LastModifiedDateTime is { } m ? new DateTimeOffset(DateTime.SpecifyKind(m, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
            yield return new StoredObject(key, (long)item.Size, modified);
        }
    }

    public async Task<bool> DeleteAsync(ObjectKey key, CancellationToken ct)
    {
        if (await StatAsync(key, ct) is null)
        {
            return false;
        }

        await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(key.Value), ct);
        return true;
    }

    public string? GetLocalPath(ObjectKey key) => null;

    public async Task CheckHealthAsync(CancellationToken ct)
    {
        _bucketReady = false;
        await EnsureBucketAsync(ct);
    }

    private async Task EnsureBucketAsync(CancellationToken ct)
    {
        if (_bucketReady)
        {
            return;
        }

        await _bucketLock.WaitAsync(ct);
        try
        {
            if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), ct))
            {
                await client.MakeBucketAsync(new MakeBucketArgs().WithBucket(bucket), ct);
            }

            _bucketReady = true;
        }
        finally
        {
            _bucketLock.Release();
        }
    }

    private sealed class ResponseStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
