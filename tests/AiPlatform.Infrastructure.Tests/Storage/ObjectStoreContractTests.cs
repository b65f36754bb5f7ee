using System.Security.Cryptography;
using AiPlatform.Core.Storage;

namespace AiPlatform.Infrastructure.Tests.Storage;

/// <summary>What every object store adapter must do; run against the local folder and a real S3 server.</summary>
public abstract class ObjectStoreContractTests
{
    protected static readonly CancellationToken None = CancellationToken.None;

    protected abstract IObjectStore Store { get; }

    protected string Area { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Put_then_read_returns_the_same_bytes_and_hash()
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        var key = ObjectKey.Create(Area, "a.bin");

        var stored = await Store.PutAsync(key, new MemoryStream(data), data.Length, "application/x-test", None);

        stored.Size.ShouldBe(data.Length);
        stored.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(data)));
        await using var read = await Store.OpenReadAsync(key, None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        copy.ToArray().ShouldBe(data);
        (await Store.StatAsync(key, None))!.Size.ShouldBe(data.Length);
    }

    [Fact]
    public async Task Content_of_unknown_length_from_a_non_seekable_stream_is_stored_whole()
    {
        var data = RandomNumberGenerator.GetBytes(7 * 1024 * 1024 + 13);
        var key = ObjectKey.Create(Area, "stream.bin");

        var stored = await Store.PutAsync(key, new NonSeekableStream(new MemoryStream(data)), null, null, None);

        stored.Size.ShouldBe(data.Length);
        stored.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(data)));
        (await Store.StatAsync(key, None))!.Size.ShouldBe(data.Length);
    }

    [Fact]
    public async Task Staged_content_is_invisible_under_its_key_until_committed()
    {
        var key = ObjectKey.Create(Area, "staged.txt");
        var staged = await Store.StageAsync(new MemoryStream("v1"u8.ToArray()), 2, "text/plain", None);

        (await Store.StatAsync(key, None)).ShouldBeNull();
        await Store.CommitAsync(staged, key, None);

        (await Store.StatAsync(key, None))!.Size.ShouldBe(2);
        (await Store.StatAsync(staged.TemporaryKey, None)).ShouldBeNull();
    }

    [Fact]
    public async Task Commit_replaces_an_existing_object_whole()
    {
        var key = ObjectKey.Create(Area, "replace.txt");
        await Store.PutAsync(key, new MemoryStream("first version"u8.ToArray()), null, null, None);

        await Store.PutAsync(key, new MemoryStream("v2"u8.ToArray()), null, null, None);

        await using var read = await Store.OpenReadAsync(key, None);
        (await new StreamReader(read).ReadToEndAsync()).ShouldBe("v2");
    }

    [Fact]
    public async Task A_short_upload_fails_and_leaves_nothing_under_the_key()
    {
        var key = ObjectKey.Create(Area, "short.bin");

        await Should.ThrowAsync<Exception>(() => Store.PutAsync(key, new NonSeekableStream(new MemoryStream(new byte[10])), 20, null, None));

        (await Store.StatAsync(key, None)).ShouldBeNull();
    }

    [Fact]
    public async Task A_handed_over_local_file_is_stored_and_no_longer_left_behind()
    {
        var path = Path.Combine(Path.GetTempPath(), $"aip-handover-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(4096));
        var expected = await File.ReadAllBytesAsync(path);
        var key = ObjectKey.Create(Area, "handed.bin");

        var stored = await Store.PutFileAsync(key, path, Convert.ToHexStringLower(SHA256.HashData(expected)), null, None);

        stored.Size.ShouldBe(4096);
        File.Exists(path).ShouldBeFalse();
        await using var read = await Store.OpenReadAsync(key, None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        copy.ToArray().ShouldBe(expected);
    }

    [Fact]
    public async Task Discard_removes_staged_content()
    {
        var staged = await Store.StageAsync(new MemoryStream(new byte[5]), 5, null, None);

        await Store.DiscardAsync(staged, None);

        (await Store.StatAsync(staged.TemporaryKey, None)).ShouldBeNull();
    }

    [Fact]
    public async Task Missing_objects_are_reported_as_absent()
    {
        var key = ObjectKey.Create(Area, "missing.bin");

        (await Store.StatAsync(key, None)).ShouldBeNull();
        await Should.ThrowAsync<ObjectNotFoundException>(() => Store.OpenReadAsync(key, None));
        (await Store.DeleteAsync(key, None)).ShouldBeFalse();
    }

    [Fact]
    public async Task List_returns_the_objects_under_a_prefix_and_delete_removes_them()
    {
        await Store.PutAsync(ObjectKey.Create(Area, "list", "a.txt"), new MemoryStream([1]), 1, null, None);
        await Store.PutAsync(ObjectKey.Create(Area, "list", "sub", "b.txt"), new MemoryStream([1, 2]), 2, null, None);
        await Store.PutAsync(ObjectKey.Create(Area, "other.txt"), new MemoryStream([1]), 1, null, None);

        var listed = new List<StoredObject>();
        await foreach (var item in Store.ListAsync($"{Area}/list/", None))
        {
            listed.Add(item);
        }

        listed.Select(o => o.Key.Value).Order().ShouldBe([$"{Area}/list/a.txt", $"{Area}/list/sub/b.txt"]);
        listed.Sum(o => o.Size).ShouldBe(3);
        (await Store.DeleteAsync(ObjectKey.Create(Area, "list", "a.txt"), None)).ShouldBeTrue();
        (await Store.StatAsync(ObjectKey.Create(Area, "list", "a.txt"), None)).ShouldBeNull();
    }

    [Fact]
    public async Task Health_check_passes_on_a_working_store_and_leaves_nothing_behind()
    {
        await Store.PutAsync(ObjectKey.Create(Area, "before-health.txt"), new MemoryStream([1]), 1, null, None);
        var before = await KeysAsync();

        await Should.NotThrowAsync(() => Store.CheckHealthAsync(None));

        (await KeysAsync()).ShouldBe(before, ignoreOrder: true, "the health check's probe write must not stay in the store");
        before.ShouldContain($"{Area}/before-health.txt");
    }

    private async Task<List<string>> KeysAsync()
    {
        var keys = new List<string>();
        await foreach (var item in Store.ListAsync(string.Empty, None))
        {
            keys.Add(item.Key.Value);
        }

        return keys;
    }

    protected sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
