using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Storage;

namespace AiPlatform.Infrastructure.Tests.Storage;

/// <summary>Runs alone: the streaming test counts the allocations of the whole process.</summary>
[Collection(nameof(AllocationSensitive))]
public sealed class FileSystemObjectStoreTests : ObjectStoreContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "aip-fs-" + Guid.NewGuid().ToString("N"));
    private readonly FileSystemObjectStore _store;

    public FileSystemObjectStoreTests() => _store = new FileSystemObjectStore(_root);

    protected override IObjectStore Store => _store;

    [Fact]
    public async Task A_failed_write_leaves_no_staging_file_behind()
    {
        await Should.ThrowAsync<IOException>(() => Store.PutAsync(ObjectKey.Create(Area, "x"), new MemoryStream(new byte[3]), 4, null, None));

        Directory.EnumerateFiles(Path.Combine(_root, ObjectStoreExtensions.StagingPrefix)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Health_check_fails_when_the_store_cannot_write()
    {
        // The staging folder replaced by a file: the probe write fails (root ignores permissions, so break the path).
        var staging = Path.Combine(_root, ObjectStoreExtensions.StagingPrefix);
        Directory.Delete(staging, recursive: true);
        await File.WriteAllTextAsync(staging, "not a folder");

        await Should.ThrowAsync<IOException>(() => Store.CheckHealthAsync(None));
    }

    [Fact]
    public async Task Streaming_a_large_object_does_not_buffer_it_in_memory()
    {
        const long size = 512L * 1024 * 1024;
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var stored = await Store.PutAsync(ObjectKey.Create(Area, "large.bin"), new NonSeekableStream(new PatternStream(size)), size, null, None);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        stored.Size.ShouldBe(size);
        allocated.ShouldBeLessThan(size / 4, "a store that buffers the content would allocate at least its size");
    }

    [Fact]
    public async Task Listing_a_prefix_that_climbs_out_of_the_root_finds_nothing()
    {
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "aip-outside.txt"), "secret");
        var found = new List<StoredObject>();
        await foreach (var item in Store.ListAsync("../", None))
        {
            found.Add(item);
        }

        found.ShouldBeEmpty();
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) % 251);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

[CollectionDefinition(nameof(AllocationSensitive), DisableParallelization = true)]
public sealed class AllocationSensitive;
