using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Tests.Shared;

public sealed class PlatformErrorBoundaryTests : PageTestBase
{
    [Fact]
    public void A_failing_component_is_replaced_by_a_readable_message_with_a_correlation_id()
    {
        var boundary = Render<PlatformErrorBoundary>(p => p.AddChildContent<Exploding>());

        boundary.Find("[data-testid=error-boundary]").TextContent.ShouldContain("An unexpected error occurred");
        var id = boundary.Instance.CorrelationId;
        id.ShouldNotBeNullOrEmpty();
        boundary.Markup.ShouldContain(id!);
        boundary.Markup.ShouldNotContain("boom");
    }

    private sealed class Exploding : ComponentBase
    {
        protected override void OnInitialized() => throw new InvalidOperationException("boom");
    }
}
