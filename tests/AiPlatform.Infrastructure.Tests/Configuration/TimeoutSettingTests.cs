using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Infrastructure.Tests.Configuration;

/// <summary>
/// Time limits are TimeSpans, and a bare number binds as days ("100" is 100 days): out-of-range values stop the start
/// with the setting's name instead of breaking every call later.
/// </summary>
public sealed class TimeoutSettingTests
{
    [Theory]
    [InlineData("Chat:ProviderTimeout", "100", null)]
    [InlineData("Chat:ProviderTimeout", "00:00:00", null)]
    [InlineData("Training:Kubernetes:ApiErrorTolerance", "5", "Training:Kubernetes:Enabled")]
    [InlineData("Training:Kubernetes:ApiErrorTolerance", "-00:00:01", "Training:Kubernetes:Enabled")]
    [InlineData("Serving:Kubernetes:ReadinessTimeout", "15", "Serving:Kubernetes:Enabled")]
    [InlineData("Serving:Kubernetes:ReadinessTimeout", "00:00:00", "Serving:Kubernetes:Enabled")]
    public void A_time_limit_out_of_its_range_stops_the_start_naming_the_setting(string key, string value, string? enabledKey)
    {
        var error = Should.Throw<InvalidOperationException>(() => Register(key, value, enabledKey));

        error.Message.ShouldStartWith($"{key} must be between");
        error.Message.ShouldContain($"not {TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [Theory]
    [InlineData("Chat:ProviderTimeout", "00:05:00", null)]
    [InlineData("Training:Kubernetes:ApiErrorTolerance", "00:00:00", "Training:Kubernetes:Enabled")]
    [InlineData("Serving:Kubernetes:ReadinessTimeout", "02:00:00", "Serving:Kubernetes:Enabled")]
    public void A_time_limit_in_its_range_is_accepted(string key, string value, string? enabledKey) =>
        Should.NotThrow(() => Register(key, value, enabledKey));

    private static void Register(string key, string value, string? enabledKey)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = Path.Combine(Path.GetTempPath(), "aip-settings-" + Guid.NewGuid().ToString("N")),
            [key] = value,
        };
        if (enabledKey is not null)
        {
            settings[enabledKey] = "true";
            settings[enabledKey.Replace(":Enabled", ":Host", StringComparison.Ordinal)] = "http://127.0.0.1:1";
        }

        new ServiceCollection().AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    }
}
