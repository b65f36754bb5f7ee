using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Serving;

public partial class EndpointOverviewPanel : ComponentBase
{
    [Parameter, EditorRequired]
    public EndpointView View { get; set; } = default!;

    /// <summary>The platform's base URL, ending in '/'.</summary>
    [Parameter, EditorRequired]
    public string BaseUrl { get; set; } = string.Empty;

    /// <summary>The versions and aliases the endpoint can move to (value, label).</summary>
    [Parameter]
    public IReadOnlyList<(string Value, string Label)> Targets { get; set; } = [];

    /// <summary>Raised after a traffic change succeeded.</summary>
    [Parameter]
    public EventCallback Changed { get; set; }

    private string Curl(EndpointView view)
    {
        var inputs = view.Signature?.Inputs.Select(i => $"{{\"name\": \"{i.Name}\", \"shape\": [{string.Join(", ", i.Shape.Select(d => d < 0 ? 1 : d))}], \"datatype\": \"{i.DataType}\", \"data\": [{Example(i)}]}}") ?? [];
        return $"curl -H \"Authorization: Bearer $AIP_TOKEN\" -H \"Content-Type: application/json\" \\\n  {BaseUrl}v2/models/{view.Endpoint.Name}/infer \\\n  -d '{{\"inputs\": [{string.Join(", ", inputs)}]}}'";
    }

    private static string Example(TensorSpec spec)
    {
        var count = spec.Shape.Select(d => d < 0 ? 1 : d).Aggregate(1L, (a, d) => a * d);
        var value = spec.DataType switch { "BYTES" => "\"text\"", "BOOL" => "true", "FP32" or "FP64" => "0.0", _ => "0" };
        return string.Join(", ", Enumerable.Repeat(value, (int)Math.Min(count, 16)));
    }
}
