namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// Where the real peers started by <c>scripts/test.sh</c> listen. A missing variable fails the test with a
/// message naming the script: these tests never skip silently.
/// </summary>
public static class TestPeers
{
    public static string PostgresConnectionString => Require("AIP_TEST_POSTGRES");

    public static string S3Endpoint => Require("AIP_TEST_S3_ENDPOINT");

    public static string S3AccessKey => Require("AIP_TEST_S3_ACCESS_KEY");

    public static string S3SecretKey => Require("AIP_TEST_S3_SECRET_KEY");

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with scripts/test.sh, which starts the real PostgreSQL and S3 servers.");
}
