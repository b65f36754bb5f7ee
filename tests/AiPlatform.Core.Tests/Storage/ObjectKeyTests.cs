using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Tests.Storage;

public class ObjectKeyTests
{
    [Fact]
    public void Create_joins_valid_segments_with_slashes() =>
        ObjectKey.Create("datasets", "abc", "v1.parquet").Value.ShouldBe("datasets/abc/v1.parquet");

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData("spaces here")]
    [InlineData("报告")]
    public void Create_rejects_segments_that_could_escape_or_are_unsafe(string segment) =>
        Should.Throw<ValidationException>(() => ObjectKey.Create("area", segment)).Errors.ShouldContainKey("key");

    [Fact]
    public void Create_rejects_too_many_segments() =>
        Should.Throw<ValidationException>(() => ObjectKey.Create(Enumerable.Repeat("a", ObjectKey.MaxSegments + 1).ToArray()));

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\data.csv", "data.csv")]
    [InlineData("报告 1.csv", "1.csv")]
    [InlineData("..", "file")]
    [InlineData(null, "file")]
    [InlineData("my file (2).json", "my_file__2_.json")]
    public void SafeSegment_turns_user_file_names_into_valid_segments(string? input, string expected)
    {
        var segment = ObjectKey.SafeSegment(input);

        segment.ShouldBe(expected);
        ObjectKey.IsValidSegment(segment).ShouldBeTrue();
    }

    [Fact]
    public void TryParse_accepts_platform_keys_and_refuses_traversal()
    {
        ObjectKey.TryParse("_staging/abc", out var key).ShouldBeTrue();
        key.Value.ShouldBe("_staging/abc");
        ObjectKey.TryParse("a/../b", out _).ShouldBeFalse();
        ObjectKey.TryParse("/abs", out _).ShouldBeFalse();
    }
}
